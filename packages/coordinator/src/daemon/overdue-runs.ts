/**
 * Runs past a deadline, checked at each tick: a stop its workers did not honour within `stopGraceMs` is
 * repeated as a kill (an event says so); a placed trial whose workers did not all start within
 * `startTimeoutMs` restarts, and its workers still starting count as gone.
 */
import type { Store } from '../store/store.js';
import { runId } from './coordinator-types.js';
import type { DaemonAction } from './daemon-action.js';

export interface OverdueState {
  readonly store: Store;
  /** When a stop was last requested, by trial id (ms); updated here when a kill follows. */
  readonly stopRequestedAt: Map<number, number>;
  /** How long workers may take to stop, ms. */
  readonly stopGraceMs: number;
  /** How long a placed trial's workers may take to start, ms. */
  readonly startTimeoutMs: number;
}

export function overdueRuns(state: OverdueState, now: number): DaemonAction[] {
  const { store, stopRequestedAt } = state;
  const actions: DaemonAction[] = [];
  for (const [trialId, since] of stopRequestedAt) {
    if (now - since < state.stopGraceMs) continue;
    const trial = store.trial(trialId);
    store.addEvent({
      experimentId: trial.experimentId,
      trialId,
      kind: 'kill',
      message: `trial ${trial.idx}: workers did not stop within ${state.stopGraceMs / 1000} s; killing them`,
    });
    actions.push({ kind: 'stop-workers', trialId, mode: 'kill' });
    stopRequestedAt.set(trialId, now);
  }
  for (const trial of store.trialsIn(['scheduled'])) {
    if (trial.launcher === 'slurm' || trial.placedAt === null || now - trial.placedAt < state.startTimeoutMs) continue;
    const run = runId(trial.id, trial.attempt);
    const starting = store.workers(run).filter((w) => w.state === 'starting');
    if (starting.length === 0) continue;
    store.moveTrial(trial.id, 'scheduled', 'restarting', `workers did not start within ${state.startTimeoutMs / 1000} s`);
    stopRequestedAt.set(trial.id, now);
    actions.push({ kind: 'stop-workers', trialId: trial.id, mode: 'kill' });
    for (const w of starting) actions.push({ kind: 'worker-gone', run, rank: w.rank, signal: 'start-timeout' });
  }
  return actions;
}
