/** The vocabulary kinds this package builds. */
export type TokenizerKind = 'bpe' | 'char';

/**
 * Text to ids and back, with the reserved ids of `SPECIAL_IDS`. Implementations are immutable
 * once built, so one instance may be shared by readers, batchers and the decoder.
 */
export interface Tokenizer {
  readonly kind: TokenizerKind;
  /** Number of ids, special ids included: every id is in [0, vocabSize). */
  readonly vocabSize: number;
  /**
   * NFKC-normalises `text` and returns its ids, without bos or eos. A character outside the
   * vocabulary becomes unk. Never throws.
   */
  encode(text: string): Int32Array;
  /**
   * Concatenates the tokens of `ids`: pad, bos and eos are skipped, unk becomes U+FFFD.
   * For text whose characters are all in the vocabulary, `decode(encode(x)) === x.normalize('NFKC')`.
   * Throws a RangeError for an id outside [0, vocabSize) or not an integer.
   */
  decode(ids: ArrayLike<number>): string;
  /** The token's text (special ids give their listing, e.g. `<pad>`), or undefined outside the vocabulary. */
  idToToken(id: number): string | undefined;
  /** The JSON document `loadTokenizer`/`tokenizerFromJson` read back into an equal tokenizer. */
  toJSON(): TokenizerJson;
  /** Writes `toJSON()` to `path` atomically (temporary file, then rename). Rejects with the file system's error. */
  save(path: string): Promise<void>;
}

/** Where a trained vocabulary came from; lets a cache tell whether it fits the current spec and corpus. */
export interface TokenizerProvenance {
  /** SHA-256 (hex) of the training corpus file's bytes as stored (compressed if gzip). */
  readonly corpusSha256: string;
  /** What was trained on, e.g. `columns 0,1` or `text`. */
  readonly fields: string;
  /** The vocabulary size that was asked for (bpe), in tokens; the trained one may be smaller. */
  readonly requestedVocabSize: number;
}

/** A saved tokenizer, as written to disk. `format` and `version` identify this package's files. */
export type TokenizerJson = BpeTokenizerJson | CharTokenizerJson;

interface TokenizerJsonBase {
  readonly format: 'orquesta-tokenizer';
  readonly version: 1;
  /** Text normalisation applied before encoding. */
  readonly normalization: 'NFKC';
  /** Token text by id; ids 0..3 are the special listings. */
  readonly vocab: readonly string[];
  readonly provenance?: TokenizerProvenance;
}

export interface BpeTokenizerJson extends TokenizerJsonBase {
  readonly kind: 'bpe';
  /** Merges in the order they were learned (lowest rank first): [left id, right id]. The merged token is the vocab entry whose text is left + right. */
  readonly merges: readonly (readonly [number, number])[];
}

export interface CharTokenizerJson extends TokenizerJsonBase {
  readonly kind: 'char';
}
