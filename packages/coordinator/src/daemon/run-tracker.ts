import type { WorkerLaunch } from '@orquesta/protocol';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { runId, type RunTracker } from './coordinator-types.js';

/**
 * The bookkeeping of `trial`'s current run (its id and tracker), with the exits the store already
 * holds; undefined for a trial that was never placed.
 * @param launches what each rank was started with, when this coordinator started them.
 */
export function trackRun(store: Store, trial: TrialRow, launches?: ReadonlyMap<number, WorkerLaunch>): [string, RunTracker] | undefined {
  if (trial.placement === null || trial.attempt === 0) return undefined;
  const run = runId(trial.id, trial.attempt);
  const exited = new Map<number, { code: number | null; signal: string | null }>();
  for (const w of store.workers(run)) if (w.state === 'exited') exited.set(w.rank, { code: w.exitCode, signal: w.exitSignal });
  // An elastic trial runs with as many ranks as it was placed with; a Slurm placement lists none.
  const ranks = trial.placement.workers.length > 0 ? trial.placement.workers.length : trial.workers;
  return [run, { trialId: trial.id, experimentId: trial.experimentId, ranks, exited, lastError: new Map(), ...(launches ? { launches } : {}) }];
}
