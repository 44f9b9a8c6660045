/** Why {@link BleuInputError} was thrown. */
export type BleuInputProblem =
  /** No hypotheses were given. */
  | 'no-hypotheses'
  /** No reference streams were given. */
  | 'no-references'
  /** A reference stream has a different number of lines than the hypotheses. */
  | 'stream-length'
  /** Every reference of one sentence is the empty string. */
  | 'empty-reference';

/**
 * Input that corpus BLEU cannot score: mismatched stream lengths, no streams at all, or a
 * sentence whose references are all empty.
 */
export class BleuInputError extends Error {
  override readonly name = 'BleuInputError';
  constructor(
    readonly problem: BleuInputProblem,
    message: string,
  ) {
    super(message);
  }
}
