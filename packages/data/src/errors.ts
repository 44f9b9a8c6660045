/** Machine-readable codes of the data package's failures, one per failure mode. */
export const DATA_ERROR_CODES = {
  config: 'DATA_CONFIG',
  corpusRead: 'DATA_CORPUS_READ',
  malformedLine: 'DATA_MALFORMED_LINE',
  tokenizerFile: 'DATA_TOKENIZER_FILE',
  tokenizerEnvelope: 'DATA_TOKENIZER_ENVELOPE',
  iteratorState: 'DATA_ITERATOR_STATE',
} as const;

export type DataErrorCode = (typeof DATA_ERROR_CODES)[keyof typeof DATA_ERROR_CODES];

/** Base of every error the data package throws. */
export class DataError extends Error {
  override readonly name: string = 'DataError';
  constructor(
    readonly code: DataErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An option or spec value the pipeline cannot work with (rank out of range, budget below one sentence, ...). */
export class DataConfigError extends DataError {
  override readonly name = 'DataConfigError';
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(DATA_ERROR_CODES.config, `${field}: ${message}`, options);
  }
}

/** A corpus file could not be opened, read or decompressed. */
export class CorpusReadError extends DataError {
  override readonly name = 'CorpusReadError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(DATA_ERROR_CODES.corpusRead, `${file}: ${message}`, options);
  }
}

/** A malformed corpus line under the `fail` policy. `line` is 1-based. */
export class MalformedLineError extends DataError {
  override readonly name = 'MalformedLineError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(DATA_ERROR_CODES.malformedLine, `${file}:${line}: malformed line (${reason}): ${detail}`, options);
  }
}

/** The codes of a TokenizerFileError: the envelope (format, version, kind, normalization) is not one this package reads, or anything else. */
export type TokenizerFileErrorCode = typeof DATA_ERROR_CODES.tokenizerFile | typeof DATA_ERROR_CODES.tokenizerEnvelope;

/**
 * A tokenizer file that is not valid JSON or not a tokenizer this package wrote. `code` is
 * DATA_TOKENIZER_ENVELOPE when its format, version, kind or normalization is not one this
 * package reads, else DATA_TOKENIZER_FILE.
 */
export class TokenizerFileError extends DataError {
  override readonly name = 'TokenizerFileError';
  declare readonly code: TokenizerFileErrorCode;
  constructor(message: string, options?: { cause?: unknown; code?: TokenizerFileErrorCode }) {
    super(options?.code ?? DATA_ERROR_CODES.tokenizerFile, message, options && 'cause' in options ? { cause: options.cause } : undefined);
  }
}

/** An iterator state that does not belong to this iterator (other corpus, batching or world size) or is out of range. */
export class IteratorStateError extends DataError {
  override readonly name = 'IteratorStateError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(DATA_ERROR_CODES.iteratorState, message, options);
  }
}
