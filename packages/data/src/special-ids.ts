/**
 * Reserved token ids, identical in every tokenizer of this package. The model and the trainer
 * rely on them: padding is id 0 (masked out of attention and loss), every target starts with
 * bos and every sequence ends with eos.
 */
export const SPECIAL_IDS = {
  pad: 0,
  bos: 1,
  eos: 2,
  unk: 3,
} as const;

export type SpecialTokenName = keyof typeof SPECIAL_IDS;

/** How the reserved ids appear in a vocabulary listing, indexed by id. Text never encodes to them. */
export const SPECIAL_TOKENS: readonly string[] = ['<pad>', '<s>', '</s>', '<unk>'];

/** Number of reserved ids; the first learned or character token has this id. */
export const SPECIAL_COUNT = SPECIAL_TOKENS.length;

/** What `decode` writes for the unk id: U+FFFD REPLACEMENT CHARACTER. */
export const UNK_TEXT = '\uFFFD';
