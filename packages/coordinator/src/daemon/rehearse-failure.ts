/**
 * `orquesta chaos` on one experiment: picks the worker (or the checkpoint) to rehearse a failure on,
 * records the chaos event, and returns the message for the agent that acts.
 */
import { resolve } from 'node:path';
import type { ChaosAction } from '@orquesta/protocol';
import type { Store } from '../store/store.js';
import { chaosTarget, corruptCheckpoint } from './chaos-target.js';
import { runId } from './coordinator-types.js';
import type { DaemonAction } from './daemon-action.js';
import { StateConflictError } from './daemon-errors.js';

export interface RehearsedFailure {
  readonly trialIdx: number;
  /** What was done, e.g. "kill-worker on rank 1 at node-b". */
  readonly done: string;
  readonly actions: DaemonAction[];
}

/**
 * kill-worker, stall-worker (SIGSTOP for `seconds`), kill-agent, partition (the node's link down for
 * `seconds`) act through the agent that runs `rank` (or a rank on `node`; default: a random rank);
 * corrupt-checkpoint truncates the newest checkpoint's model file (under `baseDir`) right away.
 * @throws {NotFoundError} @throws {StateConflictError} nothing runs, or no such rank or node.
 */
export function rehearseFailure(
  store: Store,
  experimentId: number,
  action: ChaosAction | 'corrupt-checkpoint',
  target: { rank?: number; node?: string; seconds?: number },
  baseDir: string,
): RehearsedFailure {
  const trial = store.trials(experimentId).find((t) => t.state === 'running' || t.state === 'scheduled');
  if (!trial) throw new StateConflictError(`experiment ${experimentId} has no running trial to rehearse a failure on`);
  let done: string;
  const actions: DaemonAction[] = [];
  if (action === 'corrupt-checkpoint') {
    if (!trial.lastCheckpoint) throw new StateConflictError(`trial ${trial.idx} has no checkpoint yet`);
    done = corruptCheckpoint(resolve(baseDir, trial.lastCheckpoint));
  } else {
    const w = chaosTarget(trial.placement?.workers ?? [], target, trial.idx);
    const seconds = Math.round(target.seconds ?? (action === 'stall-worker' || action === 'partition' ? 30 : 0));
    actions.push({ kind: 'send', to: w.agent, message: { v: 1, type: 'chaos', action, run: runId(trial.id, trial.attempt), rank: w.rank, seconds } });
    done = `${action} on rank ${w.rank} at ${w.agent}${seconds ? ` for ${seconds} s` : ''}`;
  }
  store.addEvent({ experimentId, trialId: trial.id, kind: 'chaos', message: `trial ${trial.idx}: chaos ${done}` });
  return { trialIdx: trial.idx, done, actions };
}
