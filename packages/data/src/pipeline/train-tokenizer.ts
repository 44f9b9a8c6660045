import { BpeTrainer } from '../tokenizer/bpe-trainer.js';
import { CharTokenizer } from '../tokenizer/char-tokenizer.js';
import { normalizeText } from '../tokenizer/normalize.js';
import type { Tokenizer, TokenizerKind, TokenizerProvenance } from '../tokenizer/tokenizer.js';

/**
 * Trains a `kind` tokenizer on the texts `feed` streams into its callback (BPE with `vocabSize`
 * ids; char with every character seen). Rejects with whatever `feed` rejects with.
 */
export async function trainTokenizer(
  kind: TokenizerKind,
  vocabSize: number,
  provenance: TokenizerProvenance,
  feed: (add: (text: string) => void) => Promise<unknown>,
): Promise<Tokenizer> {
  if (kind === 'bpe') {
    const trainer = new BpeTrainer({ vocabSize });
    await feed((text) => trainer.addText(text));
    return trainer.train(provenance);
  }
  const chars = new Set<string>();
  await feed((text) => {
    for (const ch of normalizeText(text)) chars.add(ch);
  });
  return CharTokenizer.fromCharacters(chars, provenance);
}
