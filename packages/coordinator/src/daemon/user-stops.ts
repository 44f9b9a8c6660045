/**
 * A user's pause, cancel and resume of a whole experiment, over the store: pending and paused trials
 * move at once, running ones are asked to checkpoint and stop (`request-stop` actions), trials already
 * stopping or restarting keep the target for when they get there.
 */
import { PENDING_STATES, TERMINAL_STATES, type StopTarget } from '../jobs/job-state.js';
import type { Store } from '../store/store.js';
import type { DaemonAction } from './daemon-action.js';
import { StateConflictError } from './daemon-errors.js';

/** @throws {NotFoundError} @throws {StateConflictError} nothing left to stop. */
export function stopExperiment(store: Store, experimentId: number, target: StopTarget, cause: string): DaemonAction[] {
  const open = store.trials(experimentId).filter((t) => !TERMINAL_STATES.includes(t.state) && !(target === 'paused' && t.state === 'paused'));
  if (open.length === 0)
    throw new StateConflictError(
      `experiment ${experimentId} is ${store.experiment(experimentId).state}; nothing to ${target === 'paused' ? 'pause' : 'cancel'}`,
    );
  const actions: DaemonAction[] = [];
  for (const t of open) {
    if (PENDING_STATES.includes(t.state) || t.state === 'paused') store.moveTrial(t.id, t.state, target, cause, { placement: null });
    else if (t.state === 'scheduled' || t.state === 'running') actions.push({ kind: 'request-stop', trialId: t.id, target, cause });
    else if (t.state === 'checkpointing' || t.state === 'restarting') store.setStopTarget(t.id, target, cause);
  }
  return [...actions, { kind: 'reschedule' }];
}

/** @throws {NotFoundError} @throws {StateConflictError} no paused trial. */
export function resumeExperiment(store: Store, experimentId: number, now: number): DaemonAction[] {
  const trials = store.trials(experimentId).filter((t) => t.state === 'paused');
  if (trials.length === 0)
    throw new StateConflictError(`experiment ${experimentId} is ${store.experiment(experimentId).state}; only paused experiments resume`);
  for (const t of trials) store.moveTrial(t.id, 'paused', 'queued', 'resumed by user', { queuedAt: now });
  return [{ kind: 'reschedule' }];
}
