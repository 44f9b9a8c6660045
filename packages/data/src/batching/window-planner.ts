import { fingerprint } from '../iterator/fingerprint.js';
import type { EpochPlanner } from '../iterator/batch-iterator.js';
import type { LmBatch } from './batch-types.js';
import { materializeWindows } from './materialize.js';
import { planWindows } from './window-plan.js';

/** Language-model batching of a token stream: `batchSize` windows of `len` tokens per batch (see planWindows). */
export function windowPlanner(stream: Int32Array, len: number, batchSize: number): EpochPlanner<LmBatch> {
  return {
    fingerprint: fingerprint('windows', len, batchSize, stream),
    plan: (rng, worldSize) => planWindows(stream.length, len, batchSize, worldSize, rng),
    materialize: (starts) => materializeWindows(stream, starts, len),
  };
}
