import { TokenizerFileError } from '../errors.js';
import { SPECIAL_COUNT, SPECIAL_TOKENS } from '../special-ids.js';

/**
 * Checks a vocabulary listing and returns its text -> id map (special ids left out, so text
 * that looks like `<s>` is an ordinary token). Throws TokenizerFileError unless ids 0..3 are the
 * special listings and every other entry is a distinct non-empty string.
 */
export function checkVocab(vocab: readonly unknown[]): Map<string, number> {
  if (!Array.isArray(vocab) || vocab.length <= SPECIAL_COUNT) {
    throw new TokenizerFileError(`vocab must list the ${SPECIAL_COUNT} special tokens and at least one more`);
  }
  SPECIAL_TOKENS.forEach((token, id) => {
    if (vocab[id] !== token) throw new TokenizerFileError(`vocab[${id}] is ${JSON.stringify(vocab[id])}; expected ${JSON.stringify(token)}`);
  });
  const idOf = new Map<string, number>();
  for (let id = SPECIAL_COUNT; id < vocab.length; id++) {
    const token = vocab[id];
    if (typeof token !== 'string' || token.length === 0) throw new TokenizerFileError(`vocab[${id}] is ${JSON.stringify(token)}; expected a non-empty string`);
    if (idOf.has(token)) throw new TokenizerFileError(`vocab[${id}] ${JSON.stringify(token)} repeats vocab[${idOf.get(token)}]`);
    idOf.set(token, id);
  }
  return idOf;
}
