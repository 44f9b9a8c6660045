/**
 * Where a trial goes once every worker of its run has exited, from its state and how the run ended
 * (runEnding: finished = every exit 0 and rank 0 reported max_steps; stopped = every exit 0 after a
 * stop nobody here asked for, a preemption notice: SIGTERM from a draining agent, Slurm's --signal,
 * a cloud notice; failed = anything else):
 *
 *   scheduled | running, finished -> succeeded
 *   scheduled | running, stopped  -> preempted (back in the queue from the checkpoint the workers
 *                                    wrote on the notice; not counted against max_restarts)
 *   checkpointing, clean         -> succeeded
 *   checkpointing                -> its stop target (paused, preempted, cancelled, stopped)
 *   restarting, stop requested   -> paused | cancelled | stopped
 *   restarting, restarts left    -> queued (restarts + 1, from the last checkpoint)
 *   restarting, none left        -> failed
 */
import type { JobState } from '../jobs/job-state.js';
import type { TrialRow } from '../store/rows.js';
import type { RunTracker } from './coordinator-types.js';
import type { TrialChanges } from '../store/store.js';

export interface RunOutcome {
  readonly to: JobState;
  readonly cause: string;
  readonly changes: TrialChanges;
  /** The trial restarts (counted in the restart metric). */
  readonly restart: boolean;
}

/** Every worker of the run exited 0 and rank 0 reported reaching max_steps. */
export function ranCleanly(tracker: RunTracker): boolean {
  return runEnding(tracker) === 'finished';
}

export type RunEnding = 'finished' | 'stopped' | 'failed';

/** How the run's exited workers ended (see the module comment). */
export function runEnding(tracker: RunTracker): RunEnding {
  if (![...tracker.exited.values()].every((e) => e.code === 0)) return 'failed';
  return tracker.doneReason === 'max_steps' ? 'finished' : tracker.doneReason === 'stopped' ? 'stopped' : 'failed';
}

/** @returns the transition to make, or undefined when the trial's state needs none. */
export function runOutcome(trial: TrialRow, ending: RunEnding): RunOutcome | undefined {
  const leave = { placement: null, placedAt: null } as const;
  const finished = { to: 'succeeded', cause: `finished at step ${trial.lastStep}`, changes: leave, restart: false } as const;
  const clean = ending === 'finished';
  switch (trial.state) {
    case 'scheduled':
    case 'running':
      if (ending === 'stopped')
        return {
          to: 'preempted',
          cause: `preempted: the workers stopped on a notice at checkpoint ${trial.lastCheckpoint ?? '(none yet)'}; not counted against fault_tolerance.max_restarts`,
          changes: leave,
          restart: false,
        };
      return finished;
    case 'checkpointing':
      if (clean) return finished;
      return {
        to: trial.stopTarget ?? 'paused',
        cause: `stopped at checkpoint ${trial.lastCheckpoint ?? '(none yet)'}`,
        changes: { ...leave, stopTarget: null },
        restart: false,
      };
    case 'restarting':
      if (trial.stopTarget === 'paused' || trial.stopTarget === 'cancelled' || trial.stopTarget === 'stopped')
        return { to: trial.stopTarget, cause: 'stopped while restarting', changes: { ...leave, stopTarget: null }, restart: false };
      if (trial.restarts < trial.maxRestarts) {
        const from = trial.lastCheckpoint ?? 'step 0 (no checkpoint yet)';
        return {
          to: 'queued',
          cause: `restart ${trial.restarts + 1} of ${trial.maxRestarts} from ${from}`,
          changes: { ...leave, restarts: trial.restarts + 1 },
          restart: true,
        };
      }
      return { to: 'failed', cause: `gave up after ${trial.restarts} restart(s) (fault_tolerance.max_restarts)`, changes: leave, restart: false };
    default:
      return undefined;
  }
}
