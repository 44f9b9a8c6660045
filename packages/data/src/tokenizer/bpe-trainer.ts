import { DataConfigError } from '../errors.js';
import { SPECIAL_COUNT } from '../special-ids.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { learnMerges } from './learn-merges.js';
import { normalizeText } from './normalize.js';
import { preTokenize } from './pre-tokenize.js';
import type { TokenizerProvenance } from './tokenizer.js';

export interface BpeTrainerOptions {
  /** Vocabulary size in tokens, special tokens included (spec `tokenizer.vocab_size`, default 8000). Training may stop short when no pair occurs `minPairCount` times. */
  readonly vocabSize: number;
  /** Fewest occurrences of a pair worth a merge. Default 2. */
  readonly minPairCount?: number;
}

/**
 * Collects word counts from texts (NFKC, then pre-tokenized), then learns the merges. Texts
 * can be streamed in any order: the result depends only on the multiset of texts.
 */
export class BpeTrainer {
  private readonly words = new Map<string, number>();
  private readonly options: Readonly<BpeTrainerOptions>;

  /** Throws DataConfigError when vocabSize leaves no room beyond the special tokens or minPairCount < 1. */
  constructor(options: BpeTrainerOptions) {
    if (!Number.isInteger(options.vocabSize) || options.vocabSize <= SPECIAL_COUNT) {
      throw new DataConfigError('tokenizer.vocab_size', `${options.vocabSize} leaves no room beyond the ${SPECIAL_COUNT} special tokens`);
    }
    if (options.minPairCount !== undefined && !(Number.isInteger(options.minPairCount) && options.minPairCount >= 1)) {
      throw new DataConfigError('minPairCount', `${options.minPairCount} must be an integer >= 1`);
    }
    this.options = Object.freeze({ ...options });
  }

  /** Counts the pieces of one text (a sentence or a line). */
  addText(text: string): void {
    for (const piece of preTokenize(normalizeText(text))) this.words.set(piece, (this.words.get(piece) ?? 0) + 1);
  }

  /** Distinct pieces counted so far. */
  get distinctWords(): number {
    return this.words.size;
  }

  /** Learns the merges over everything added. */
  train(provenance?: TokenizerProvenance): BpeTokenizer {
    const learned = learnMerges(this.words, this.options);
    return new BpeTokenizer(learned.vocab, learned.merges, provenance);
  }
}
