/**
 * Lifecycle of a trial (the unit the scheduler places: one gang of workers). Every change goes
 * through `transition`, which checks the table and returns the event row to record; nothing else
 * writes a state.
 *
 *   queued ──► scheduled ──► running ──► succeeded
 *     ▲  │         │            │  ├──► checkpointing ──► paused | preempted | cancelled | succeeded
 *     │  ▼         ▼            ▼  ├──► restarting ──► queued (from the last checkpoint) | failed
 *  paused/preempted ◄── ...   failed └──► preempted (stopped on a notice, e.g. a draining agent)
 *
 * `stopped` is where a search's scheduler (ASHA) leaves a trial it stopped early at a checkpoint:
 * like the end of the trial's training, unless a user resumes it by hand (stopped -> queued).
 */
export const JOB_STATE = {
  queued: 'queued',
  scheduled: 'scheduled',
  running: 'running',
  checkpointing: 'checkpointing',
  restarting: 'restarting',
  paused: 'paused',
  preempted: 'preempted',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  stopped: 'stopped',
} as const;

export type JobState = (typeof JOB_STATE)[keyof typeof JOB_STATE];

/** Why a checkpointing trial stops: where it goes once every worker has exited. */
export type StopTarget = 'paused' | 'preempted' | 'cancelled' | 'stopped';

export const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['scheduled', 'paused', 'cancelled'],
  scheduled: ['running', 'restarting', 'checkpointing', 'preempted', 'failed', 'cancelled'],
  running: ['succeeded', 'checkpointing', 'restarting', 'preempted', 'failed'],
  checkpointing: ['paused', 'preempted', 'cancelled', 'stopped', 'succeeded', 'restarting', 'failed'],
  restarting: ['queued', 'failed', 'cancelled', 'paused', 'stopped'],
  paused: ['queued', 'cancelled'],
  preempted: ['scheduled', 'paused', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
  stopped: ['queued', 'cancelled'],
};

/** States whose trial waits for the scheduler. */
export const PENDING_STATES: readonly JobState[] = ['queued', 'preempted'];
/** States whose trial holds slots on agents. */
export const ACTIVE_STATES: readonly JobState[] = ['scheduled', 'running', 'checkpointing', 'restarting'];
export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];
/** States of a trial that holds nothing and waits for nothing: the terminal ones and `stopped`. */
export const SETTLED_STATES: readonly JobState[] = [...TERMINAL_STATES, 'stopped'];

export function isJobState(value: string): value is JobState {
  return value in JOB_STATE;
}

/** A state change that the table does not allow. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly from: JobState,
    readonly to: JobState,
  ) {
    super(`a trial cannot go from ${from} to ${to} (allowed: ${TRANSITIONS[from].join(', ') || 'none, it has ended'})`);
  }
}

export interface TransitionEvent {
  readonly kind: 'transition';
  readonly from: JobState;
  readonly to: JobState;
  readonly cause: string;
}

/** @throws {IllegalTransitionError} `to` is not reachable from `from` in one step. */
export function transition(from: JobState, to: JobState, cause: string): TransitionEvent {
  if (!TRANSITIONS[from].includes(to)) throw new IllegalTransitionError(from, to);
  return { kind: 'transition', from, to, cause };
}

/** An experiment's state, derived from its trials' states. */
export function experimentState(trials: readonly JobState[]): JobState {
  if (trials.length === 0) return 'queued';
  const has = (s: JobState) => trials.includes(s);
  const all = (pred: (s: JobState) => boolean) => trials.every(pred);
  if (all((s) => SETTLED_STATES.includes(s))) {
    if (has('succeeded')) return 'succeeded';
    if (has('failed')) return 'failed';
    return has('stopped') ? 'stopped' : 'cancelled';
  }
  for (const s of ['running', 'checkpointing', 'restarting', 'scheduled'] as const) if (has(s)) return s;
  if (has('queued')) return 'queued';
  if (has('preempted')) return 'preempted';
  return 'paused';
}
