import { SPECIAL_COUNT, SPECIAL_IDS, UNK_TEXT } from '../special-ids.js';

/**
 * Concatenates the token texts of `ids`: pad, bos and eos give nothing, unk gives U+FFFD.
 * Throws a RangeError for an id that is not an integer in [0, vocab.length).
 */
export function decodeIds(vocab: readonly string[], ids: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (!Number.isInteger(id) || id < 0 || id >= vocab.length) {
      throw new RangeError(`token id ${id} at index ${i} is outside the vocabulary [0, ${vocab.length})`);
    }
    if (id >= SPECIAL_COUNT) out += vocab[id] as string;
    else if (id === SPECIAL_IDS.unk) out += UNK_TEXT;
  }
  return out;
}
