/** The pieces of `orquesta chaos` that act on data rather than on processes. */
import { statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerPlacement } from '../scheduler/cluster-view.js';
import { StateConflictError } from './daemon-errors.js';

/**
 * The worker to rehearse a failure on: of `rank` and/or on `node` when given, else any (random).
 * @throws {StateConflictError} none matches.
 */
export function chaosTarget(workers: readonly WorkerPlacement[], target: { rank?: number; node?: string }, trialIdx: number): WorkerPlacement {
  if (workers.length === 0) throw new StateConflictError(`trial ${trialIdx} has no workers placed yet (a Slurm job's tasks are listed once all have joined)`);
  const candidates = workers.filter((w) => (target.rank === undefined || w.rank === target.rank) && (target.node === undefined || w.agent === target.node));
  const picked = candidates[Math.floor(Math.random() * candidates.length)];
  if (!picked)
    throw new StateConflictError(
      `trial ${trialIdx} has no worker${target.rank === undefined ? '' : ` of rank ${target.rank}`}${target.node === undefined ? '' : ` on ${target.node}`}`,
    );
  return picked;
}

/** Truncates a checkpoint's model file to half its size; @returns what was done. */
export function corruptCheckpoint(checkpointDir: string): string {
  const file = join(checkpointDir, 'model.safetensors');
  const size = statSync(file).size;
  truncateSync(file, Math.floor(size / 2));
  return `truncated ${file} from ${size} to ${Math.floor(size / 2)} bytes`;
}
