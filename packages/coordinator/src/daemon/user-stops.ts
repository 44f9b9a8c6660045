/**
 * A user's pause, cancel and resume of a whole experiment, over the store: pending and paused trials
 * move at once, running ones are asked to checkpoint and stop (`request-stop` actions), trials already
 * stopping or restarting keep the target for when they get there.
 */
import { PENDING_STATES, SETTLED_STATES } from '../jobs/job-state.js';
import type { Store } from '../store/store.js';
import type { DaemonAction } from './daemon-action.js';
import { StateConflictError } from './daemon-errors.js';

/** `actor` stops it: the audit trail records who. @throws {NotFoundError} @throws {StateConflictError} nothing left to stop. */
export function stopExperiment(store: Store, experimentId: number, target: 'paused' | 'cancelled', actor: string): DaemonAction[] {
  const cause = `${target} by ${actor}`;
  const open = store.trials(experimentId).filter((t) => !SETTLED_STATES.includes(t.state) && !(target === 'paused' && t.state === 'paused'));
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
  store.accounts.audit(actor, experimentId, `${target === 'paused' ? 'paused' : 'cancelled'} experiment ${experimentId}`);
  return [...actions, { kind: 'reschedule' }];
}

/**
 * Queues the experiment's paused trials again, or (with `trialIdx`) that one trial, paused or stopped
 * (a search stopped it early; resumed by hand it trains to the end), from its last checkpoint.
 * @throws {NotFoundError} @throws {StateConflictError} no paused trial, or that trial is neither paused nor stopped.
 */
export function resumeExperiment(store: Store, experimentId: number, now: number, actor: string, trialIdx?: number): DaemonAction[] {
  const all = store.trials(experimentId);
  if (trialIdx !== undefined) {
    const trial = all.find((t) => t.idx === trialIdx);
    if (!trial) throw new StateConflictError(`experiment ${experimentId} has no trial ${trialIdx} (trials 0-${all.length - 1})`);
    if (trial.state !== 'paused' && trial.state !== 'stopped')
      throw new StateConflictError(`trial ${trialIdx} of experiment ${experimentId} is ${trial.state}; only paused and stopped trials resume`);
    store.moveTrial(trial.id, trial.state, 'queued', `resumed by ${actor} from ${trial.lastCheckpoint ?? 'step 0'}`, { queuedAt: now });
    store.accounts.audit(actor, experimentId, `resumed trial ${trialIdx} of experiment ${experimentId}`);
    return [{ kind: 'reschedule' }];
  }
  const trials = all.filter((t) => t.state === 'paused');
  if (trials.length === 0) {
    const stopped = all.filter((t) => t.state === 'stopped').map((t) => t.idx);
    const hint = stopped.length > 0 ? ` (a search stopped trial(s) ${stopped.join(', ')}: resume one with --trial N)` : '';
    throw new StateConflictError(`experiment ${experimentId} is ${store.experiment(experimentId).state}; only paused experiments resume${hint}`);
  }
  for (const t of trials) store.moveTrial(t.id, 'paused', 'queued', `resumed by ${actor}`, { queuedAt: now });
  store.accounts.audit(actor, experimentId, `resumed experiment ${experimentId}`);
  return [{ kind: 'reschedule' }];
}
