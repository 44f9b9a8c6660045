import { pairLengths, type PairCorpus } from '../corpus/pair-corpus.js';
import { fingerprint } from '../iterator/fingerprint.js';
import type { EpochPlanner } from '../iterator/batch-iterator.js';
import type { Seq2SeqBatch } from './batch-types.js';
import { materializePairs } from './materialize.js';
import { planTokenBatches } from './token-budget-plan.js';

/**
 * Token-budget batching of a pair corpus (see planTokenBatches). `budget` is spec
 * `training.max_tokens_per_batch`: B * max(S, T) <= budget for every batch, padding included.
 */
export function pairPlanner(corpus: PairCorpus, budget: number): EpochPlanner<Seq2SeqBatch> {
  const lengths = pairLengths(corpus);
  return {
    fingerprint: fingerprint('pairs', budget, corpus.size, corpus.srcOffsets, corpus.tgtOffsets, corpus.srcIds, corpus.tgtIds),
    plan: (rng, worldSize) => planTokenBatches(lengths, budget, worldSize, rng),
    materialize: (items) => materializePairs(corpus, items),
  };
}
