import type * as WorkerPackage from '@orquesta/worker';
import type { TrainedModel } from '@orquesta/worker';
import type { CliIO } from '../io.js';

type WorkerModule = typeof WorkerPackage;

/** Parses a positive integer flag, printing the usage error; undefined when invalid. */
export function positiveInt(name: string, text: string, io: CliIO): number | undefined {
  const value = Number(text);
  if (Number.isInteger(value) && value >= 1) return value;
  io.err(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return undefined;
}

/**
 * Loads a trained model for inference (the worker package, and tfjs with it, load only here),
 * on `backend` as the command's environment `env` sets it up. Prints a one-line error and
 * returns undefined for a missing or unusable checkpoint or the wrong kind of model.
 */
export async function loadForInference(
  path: string,
  backend: string,
  kind: TrainedModel['kind'] | 'any',
  io: CliIO,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ trained: TrainedModel; worker: WorkerModule } | undefined> {
  const worker = await import('@orquesta/worker');
  const { BackendUnavailableError, backendOptionsFromEnv } = await import('@orquesta/model');
  let trained: TrainedModel;
  try {
    trained = await worker.loadTrainedModel(path, backend, backendOptionsFromEnv(env));
  } catch (error) {
    if (error instanceof worker.CheckpointError || error instanceof BackendUnavailableError) {
      io.err(`orquesta: ${error.message}`);
      return undefined;
    }
    throw error;
  }
  if (kind !== 'any' && trained.kind !== kind) {
    io.err(`orquesta: ${path} holds a ${trained.kind} model; this command needs a ${kind} model`);
    return undefined;
  }
  return { trained, worker };
}
