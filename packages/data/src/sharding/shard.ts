/**
 * Which batches of an epoch a rank trains on. The epoch's batch list is identical on every rank
 * (same corpus, seed and epoch); rank r of N takes batches r, r + N, r + 2N, ... The planners make
 * the count a multiple of N, so every rank gets exactly count / N batches and no rank waits at a
 * collective for a peer that has run out of data.
 */
import { DataConfigError } from '../errors.js';

/** Throws DataConfigError unless worldSize >= 1 and 0 <= rank < worldSize, both integers. */
export function checkRank(rank: number, worldSize: number): void {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new DataConfigError('worldSize', `${worldSize} is not a positive integer`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new DataConfigError('rank', `${rank} is not in [0, ${worldSize})`);
}

/** Batches each rank takes from an epoch of `total` batches. */
export function batchesPerRank(total: number, worldSize: number): number {
  return Math.floor(total / worldSize);
}

/** Index in the epoch's batch list of the rank's `position`-th batch (0-based). */
export function shardBatchIndex(position: number, rank: number, worldSize: number): number {
  return position * worldSize + rank;
}
