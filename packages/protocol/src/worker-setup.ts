/**
 * What a launcher hands a worker process: the rank contract as environment variables (torchrun's
 * names where torchrun has one) and the validated experiment spec as a JSON file. Launchers build the
 * environment with `toWorkerEnv`; the worker reads it back with `readWorkerSetup` and the spec with
 * `parseWorkerSpec`, so both sides share one definition and a wrong value is named where it is read.
 */
import { ENV } from './env.js';
import type { ExperimentSpec } from './experiment/experiment-schema.js';
import { specSchemaErrors } from './experiment/spec-validator.js';

/** One rank's place in its run, as a scheduler assigns it (everything but the spec file). */
export interface RankAssignment {
  /** Global rank, 0..worldSize-1. */
  readonly rank: number;
  /** Workers in the run. */
  readonly worldSize: number;
  /** Rank among this run's workers on the same host, 0..localWorldSize-1. */
  readonly localRank: number;
  /** This run's workers on the same host. */
  readonly localWorldSize: number;
  /** Data-plane endpoint of every rank, in rank order (tcp://HOST:PORT or ipc://PATH). */
  readonly peers: readonly string[];
  /** The run (trial attempt) id shared by all ranks; names the step traces. */
  readonly run: string;
  /** CURVE keys when the data plane leaves the host: every rank's public key and this rank's secret key (Z85). */
  readonly curve?: { readonly publicKeys: readonly string[]; readonly secretKey: string };
  /** GPUs this worker may use (CUDA's device list), when the host has GPUs. */
  readonly cudaVisibleDevices?: string;
  /** The launcher orchestrates peer recovery (fault_tolerance.recovery peer): on a broken group, keep state and wait for regroup orders. */
  readonly peerRecovery?: boolean;
  /** A replacement worker (peer recovery): the process group generation it joins, taking its state from the surviving ranks. */
  readonly joinGeneration?: number;
}

/** Everything a worker process needs to start. */
export interface WorkerSetup extends RankAssignment {
  /** Path of the validated experiment spec as JSON (defaults applied). */
  readonly specPath: string;
  /** OpenBLAS threads for the native kernels; launchers give each worker its share of the host's cores. */
  readonly blasThreads?: number;
}

/** A launcher's environment for a worker is wrong or incomplete; names the variable or field. */
export class WorkerSetupError extends Error {
  override readonly name = 'WorkerSetupError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The rank contract as environment variables (no spec file). */
export function rankEnv(a: RankAssignment): Record<string, string> {
  return {
    [ENV.rank]: String(a.rank),
    [ENV.worldSize]: String(a.worldSize),
    [ENV.localRank]: String(a.localRank),
    [ENV.localWorldSize]: String(a.localWorldSize),
    [ENV.peers]: a.peers.join(','),
    [ENV.run]: a.run,
    ...(a.curve ? { [ENV.curvePublicKeys]: a.curve.publicKeys.join(','), [ENV.curveSecretKey]: a.curve.secretKey } : {}),
    ...(a.cudaVisibleDevices === undefined ? {} : { [ENV.cudaVisibleDevices]: a.cudaVisibleDevices }),
    ...(a.peerRecovery === true ? { [ENV.recovery]: 'peer' } : {}),
    ...(a.joinGeneration === undefined ? {} : { [ENV.replacement]: String(a.joinGeneration) }),
  };
}

/** The whole setup as environment variables; `readWorkerSetup` reads them back. */
export function toWorkerEnv(setup: WorkerSetup): Record<string, string> {
  return {
    ...rankEnv(setup),
    [ENV.spec]: setup.specPath,
    ...(setup.blasThreads === undefined ? {} : { [ENV.blasThreads]: String(setup.blasThreads) }),
  };
}

/** @throws {WorkerSetupError} a variable is missing or malformed, naming it. */
export function readRankAssignment(env: Readonly<Record<string, string | undefined>>): RankAssignment {
  const int = (name: string, min: number) => {
    const text = env[name];
    const value = Number(text);
    if (text === undefined || text === '' || !Number.isInteger(value) || value < min)
      throw new WorkerSetupError(`${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
    return value;
  };
  const rank = int(ENV.rank, 0);
  const worldSize = int(ENV.worldSize, 1);
  if (rank >= worldSize) throw new WorkerSetupError(`${ENV.rank} ${rank} is not below ${ENV.worldSize} ${worldSize}`);
  const localRank = env[ENV.localRank] === undefined ? rank : int(ENV.localRank, 0);
  const localWorldSize = env[ENV.localWorldSize] === undefined ? worldSize : int(ENV.localWorldSize, 1);
  if (localRank >= localWorldSize || localWorldSize > worldSize)
    throw new WorkerSetupError(`${ENV.localRank} ${localRank} and ${ENV.localWorldSize} ${localWorldSize} do not fit ${ENV.worldSize} ${worldSize}`);
  const peers = list(env[ENV.peers]);
  if (peers.length !== worldSize) throw new WorkerSetupError(`${ENV.peers} lists ${peers.length} endpoints for ${worldSize} ranks`);
  const bad = peers.find((p) => !/^(tcp:\/\/[^\s,]+:\d+|ipc:\/\/\S+)$/.test(p));
  if (bad !== undefined) throw new WorkerSetupError(`${ENV.peers} has ${JSON.stringify(bad)}, not tcp://HOST:PORT or ipc://PATH`);
  const run = env[ENV.run];
  if (!run) throw new WorkerSetupError(`${ENV.run} is not set`);
  const publicKeys = list(env[ENV.curvePublicKeys]);
  const secretKey = env[ENV.curveSecretKey];
  if (publicKeys.length > 0 && (publicKeys.length !== worldSize || !secretKey))
    throw new WorkerSetupError(`${ENV.curvePublicKeys} lists ${publicKeys.length} keys for ${worldSize} ranks, or ${ENV.curveSecretKey} is missing`);
  const cuda = env[ENV.cudaVisibleDevices];
  const recovery = env[ENV.recovery];
  if (recovery !== undefined && recovery !== 'peer' && recovery !== '')
    throw new WorkerSetupError(`${ENV.recovery} must be peer or empty, got ${JSON.stringify(recovery)}`);
  const joinGeneration = env[ENV.replacement] === undefined ? undefined : int(ENV.replacement, 1);
  if (joinGeneration !== undefined && recovery !== 'peer') throw new WorkerSetupError(`${ENV.replacement} is set but ${ENV.recovery} is not peer`);
  return {
    rank,
    worldSize,
    localRank,
    localWorldSize,
    peers,
    run,
    ...(publicKeys.length > 0 && secretKey ? { curve: { publicKeys, secretKey } } : {}),
    ...(cuda === undefined ? {} : { cudaVisibleDevices: cuda }),
    ...(recovery === 'peer' ? { peerRecovery: true } : {}),
    ...(joinGeneration === undefined ? {} : { joinGeneration }),
  };
}

/** @throws {WorkerSetupError} a variable is missing or malformed, naming it. */
export function readWorkerSetup(env: Readonly<Record<string, string | undefined>>): WorkerSetup {
  const assignment = readRankAssignment(env);
  const specPath = env[ENV.spec];
  if (!specPath) throw new WorkerSetupError(`${ENV.spec} is not set`);
  const threads = env[ENV.blasThreads];
  if (threads !== undefined && (!/^\d+$/.test(threads) || Number(threads) < 1))
    throw new WorkerSetupError(`${ENV.blasThreads} must be a positive integer, got ${JSON.stringify(threads)}`);
  return { ...assignment, specPath, ...(threads === undefined ? {} : { blasThreads: Number(threads) }) };
}

/**
 * Validates the text of the spec file a launcher wrote (fields a newer version added get their defaults).
 * @param path where the text came from, for messages.
 * @throws {WorkerSetupError} not JSON, or not a valid spec, naming the first fields at fault.
 */
export function parseWorkerSpec(text: string, path: string): ExperimentSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new WorkerSetupError(`the spec at ${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const checked = specSchemaErrors(value);
  if (checked.ok) return value as ExperimentSpec;
  const problems = checked.errors.slice(0, 5).map((e) => {
    const field = e.instancePath.slice(1).replaceAll('/', '.') || '(top level)';
    const extra = e.keyword === 'additionalProperties' ? ` "${String((e.params as { additionalProperty?: unknown }).additionalProperty)}"` : '';
    return `${field} ${e.message ?? 'is invalid'}${extra}`;
  });
  throw new WorkerSetupError(`the spec at ${path} is not valid for this worker: ${problems.join('; ')}`);
}

function list(text: string | undefined): string[] {
  return (text ?? '').split(',').filter((p) => p !== '');
}

/** A spec file's content as launchers write it. */
export function workerSpecJson(spec: ExperimentSpec): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}
