/**
 * Language-model batches for one epoch: non-overlapping windows of `len` tokens over the token
 * stream, B = batchSize windows per batch, no padding.
 *   1. Pick the epoch's start offset in [0, len) with the generator (evaluation: 0), so window
 *      borders move between epochs.
 *   2. Cut windows at offset, offset + len, ...; each needs len + 1 tokens (the target is the
 *      input shifted by one).
 *   3. Shuffle the windows (evaluation: keep stream order) and group them B at a time.
 *   4. Keep the largest multiple of worldSize full batches; the rest of the windows are
 *      dropped this epoch (fewer than worldSize * B + B, a different set each epoch).
 */
import type { Rng } from '../random/rng.js';
import type { EpochPlan } from './epoch-plan.js';

/** Plans one epoch over a stream of `streamLength` tokens. */
export function planWindows(streamLength: number, len: number, batchSize: number, worldSize: number, rng?: Rng): EpochPlan {
  const offset = rng ? rng.below(len) : 0;
  const windows = Math.max(0, Math.floor((streamLength - 1 - offset) / len));
  const starts = new Int32Array(windows);
  for (let w = 0; w < windows; w++) starts[w] = offset + w * len;
  if (rng) rng.shuffle(starts);
  const batches = Math.floor(Math.floor(windows / batchSize) / worldSize) * worldSize;
  const used = batches * batchSize;
  return {
    items: starts.subarray(0, used),
    starts: Int32Array.from({ length: batches }, (_, j) => j * batchSize),
    ends: Int32Array.from({ length: batches }, (_, j) => (j + 1) * batchSize),
    dropped: windows - used,
  };
}

/** Fewest full batches any epoch of planWindows yields (the worst start offset), before rounding to worldSize. */
export function minWindowBatches(streamLength: number, len: number, batchSize: number): number {
  return Math.floor(Math.max(0, Math.floor((streamLength - len) / len)) / batchSize);
}
