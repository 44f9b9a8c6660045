/** Token arrays of one translation micro-batch (row-major, pad = config.padId). */
export interface Seq2SeqInputs {
  /** B */
  readonly size: number;
  /** S */
  readonly srcLen: number;
  /** T */
  readonly tgtLen: number;
  /** [B, S] source ids, ending with eos. */
  readonly src: Int32Array;
  /** [B, T] decoder input: bos + target. */
  readonly tgtIn: Int32Array;
  /** [B, T] decoder output: target + eos. */
  readonly tgtOut: Int32Array;
}

/** Token arrays of one language-model micro-batch. */
export interface LmInputs {
  /** B */
  readonly size: number;
  /** T */
  readonly len: number;
  /** [B, T] */
  readonly input: Int32Array;
  /** [B, T], input shifted left by one. */
  readonly target: Int32Array;
}
