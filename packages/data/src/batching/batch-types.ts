/**
 * One translation micro-batch: what one worker trains on in one micro-step. Rows are pairs,
 * right-padded with pad (0) to the longest row of this batch only.
 */
export interface Seq2SeqBatch {
  /** Pairs in the batch (B). */
  readonly size: number;
  /** Source length (S): longest source in the batch plus its eos. */
  readonly srcLen: number;
  /** Target length (T): longest target in the batch plus one (bos in tgtIn, eos in tgtOut). */
  readonly tgtLen: number;
  /** [B, S] row-major: source ids, eos, then pad. */
  readonly src: Int32Array;
  /** [B, T] row-major: bos, target ids, then pad (decoder input). */
  readonly tgtIn: Int32Array;
  /** [B, T] row-major: target ids, eos, then pad (decoder labels; tgtIn shifted left by one). */
  readonly tgtOut: Int32Array;
  /** Non-pad entries of src (ids plus eos, summed over rows). */
  readonly srcTokens: number;
  /** Non-pad entries of tgtOut (ids plus eos, summed over rows): the tokens the loss averages over. */
  readonly tgtTokens: number;
  /** [B] index of each row's pair in the corpus (for checks and debugging). */
  readonly indices: Int32Array;
}

/** One language-model micro-batch: B windows of T consecutive tokens; no padding. */
export interface LmBatch {
  /** Windows in the batch (B). */
  readonly size: number;
  /** Window length (T). */
  readonly len: number;
  /** [B, T] row-major: tokens[s .. s + T) of each window start s. */
  readonly input: Int32Array;
  /** [B, T] row-major: tokens[s + 1 .. s + T + 1): input shifted left by one. */
  readonly target: Int32Array;
  /** Predicted tokens: B * T. */
  readonly tokens: number;
  /** [B] start offset of each window in the token stream. */
  readonly starts: Int32Array;
}
