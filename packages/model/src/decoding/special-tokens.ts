/** Token ids decoding needs to know. */
export interface DecodeTokens {
  /** First decoder input. Defaults to 1. */
  readonly bos: number;
  /** Ends a hypothesis. Defaults to 2. */
  readonly eos: number;
}

export const DEFAULT_DECODE_TOKENS: DecodeTokens = { bos: 1, eos: 2 };
