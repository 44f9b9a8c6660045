/**
 * Which checkpoint answers an experiment's translate or generate request: its best trial's (lowest
 * validation loss; without evaluations, the one furthest along) newest checkpoint, or the trial and
 * step asked for. Paths are as workers reported them, relative to the coordinator's working directory.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Store } from '../store/store.js';
import { bestTrial } from './experiment-status.js';

/** The experiment has no checkpoint to serve (yet), or not the one asked for (HTTP 409). */
export class NoCheckpointError extends Error {
  override readonly name = 'NoCheckpointError';
  constructor(message: string) {
    super(message);
  }
}

/**
 * @throws {NotFoundError} no such experiment.
 * @throws {NoCheckpointError} no checkpoint yet, no such trial, or no checkpoint of that step.
 */
export function checkpointToServe(store: Store, experimentId: number, choice: { trial?: number; step?: number }, baseDir: string): string {
  store.experiment(experimentId);
  const trials = store.trials(experimentId);
  const trial =
    choice.trial !== undefined
      ? trials.find((t) => t.idx === choice.trial)
      : (bestTrial(trials.filter((t) => t.lastCheckpoint !== null)) ??
        [...trials].filter((t) => t.lastCheckpoint !== null).sort((a, b) => b.lastStep - a.lastStep)[0]);
  if (trial === undefined)
    throw new NoCheckpointError(
      choice.trial !== undefined
        ? `experiment ${experimentId} has no trial ${choice.trial}`
        : `experiment ${experimentId} has no checkpoint yet: nothing to serve`,
    );
  const at = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  if (choice.step !== undefined) {
    const dir = at(`${trial.checkpointDir}/step-${String(choice.step).padStart(8, '0')}`);
    if (!existsSync(dir)) throw new NoCheckpointError(`experiment ${experimentId} trial ${trial.idx} has no checkpoint of step ${choice.step} (${dir})`);
    return dir;
  }
  if (trial.lastCheckpoint === null) throw new NoCheckpointError(`experiment ${experimentId} trial ${trial.idx} has no checkpoint yet`);
  return at(trial.lastCheckpoint);
}
