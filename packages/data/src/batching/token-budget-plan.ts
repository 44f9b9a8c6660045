/**
 * fairseq-style max-tokens batching of translation pairs for one epoch, made divisible by the
 * number of ranks.
 *   1. Shuffle the pair order (with the epoch's generator), so equal lengths mix differently
 *      every epoch. Without a generator (evaluation), keep corpus order.
 *   2. Stable counting sort by padded length L = max(S, T) (length buckets).
 *   3. Walk the sorted pairs and close a batch before the pair that would make
 *      B * max(L) > budget. Padding counts: the budget bounds B * max(S, T), the larger of the two
 *      padded tensors [B, S] and [B, T].
 *   4. While the batch count is not a multiple of worldSize, split the largest batch (first on
 *      ties) in two halves; smaller batches stay within budget. Only when every batch holds one
 *      pair (fewer pairs than needed), drop the surplus longest batches.
 *   5. Shuffle the batch order with the generator (evaluation: keep short-to-long).
 * Every pair lands in exactly one batch, so rank r taking batches r, r + N, ... gives disjoint
 * shards of equal count that together cover the epoch.
 */
import { DataConfigError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import type { EpochPlan } from './epoch-plan.js';

/**
 * Plans one epoch over `lengths` ([N] padded length of each pair). Throws DataConfigError when
 * a single pair is longer than the budget or the arguments are not positive integers.
 */
export function planTokenBatches(lengths: Int32Array, budget: number, worldSize: number, rng?: Rng): EpochPlan {
  if (!Number.isInteger(budget) || budget < 1) throw new DataConfigError('training.max_tokens_per_batch', `${budget} is not a positive integer`);
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new DataConfigError('worldSize', `${worldSize} is not a positive integer`);
  const n = lengths.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (rng) rng.shuffle(order);

  let maxLen = 0;
  for (const l of lengths) maxLen = Math.max(maxLen, l);
  if (maxLen > budget) {
    throw new DataConfigError(
      'training.max_tokens_per_batch',
      `${budget} tokens cannot hold the longest pair (${maxLen} tokens padded); raise it or lower data.max_len`,
    );
  }
  const bucketStart = new Int32Array(maxLen + 2);
  for (const l of lengths) bucketStart[l + 1] = (bucketStart[l + 1] as number) + 1;
  for (let l = 1; l < bucketStart.length; l++) bucketStart[l] = (bucketStart[l] as number) + (bucketStart[l - 1] as number);
  const items = new Int32Array(n);
  for (const i of order) {
    const l = lengths[i] as number;
    const at = bucketStart[l] as number;
    items[at] = i;
    bucketStart[l] = at + 1;
  }

  const starts: number[] = [];
  const ends: number[] = [];
  let begin = 0;
  for (let p = 0; p < n; p++) {
    const len = lengths[items[p] as number] as number;
    if ((p - begin + 1) * len > budget) {
      starts.push(begin);
      ends.push(p);
      begin = p;
    }
  }
  if (begin < n) {
    starts.push(begin);
    ends.push(n);
  }

  let dropped = 0;
  while (starts.length % worldSize !== 0) {
    let widest = 0;
    for (let j = 1; j < starts.length; j++) if ((ends[j] as number) - (starts[j] as number) > (ends[widest] as number) - (starts[widest] as number)) widest = j;
    const from = starts[widest] as number;
    const to = ends[widest] as number;
    if (to - from < 2) {
      const surplus = starts.length % worldSize;
      for (let k = 0; k < surplus; k++) dropped += (ends.pop() as number) - (starts.pop() as number);
      break;
    }
    const mid = from + Math.floor((to - from) / 2);
    starts.splice(widest + 1, 0, mid);
    ends.splice(widest, 0, mid);
  }

  const batchOrder = Int32Array.from(starts, (_, j) => j);
  if (rng) rng.shuffle(batchOrder);
  return {
    items,
    starts: Int32Array.from(batchOrder, (j) => starts[j] as number),
    ends: Int32Array.from(batchOrder, (j) => ends[j] as number),
    dropped,
  };
}
