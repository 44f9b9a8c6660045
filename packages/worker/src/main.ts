/**
 * Worker process entry: environment -> setup -> runWorker -> exit code. Reads RANK, WORLD_SIZE,
 * ORQUESTA_PEERS and ORQUESTA_SPEC (torchrun's names where torchrun has one). SIGTERM and SIGINT
 * ask every rank to stop after the current step with a checkpoint.
 */
import { readFileSync } from 'node:fs';
import { ENV, formatWorkerReport, type ExperimentSpec } from '@orquesta/protocol';
import { startTracing } from '@orquesta/telemetry';
import { WorkerConfigError } from './errors.js';
import { runWorker, type WorkerSetup } from './run-worker.js';

function readSetup(env: NodeJS.ProcessEnv): WorkerSetup {
  const int = (name: string) => {
    const value = Number(env[name]);
    if (env[name] === undefined || !Number.isInteger(value) || value < 0) throw new WorkerConfigError(`${name} must be a non-negative integer, got ${JSON.stringify(env[name])}`);
    return value;
  };
  const rank = int(ENV.rank);
  const worldSize = int(ENV.worldSize);
  if (rank >= worldSize) throw new WorkerConfigError(`${ENV.rank} ${rank} is not below ${ENV.worldSize} ${worldSize}`);
  const peers = (env[ENV.peers] ?? '').split(',').filter((p) => p !== '');
  if (peers.length !== worldSize) throw new WorkerConfigError(`${ENV.peers} lists ${peers.length} endpoints for ${worldSize} ranks`);
  const specPath = env[ENV.spec];
  if (!specPath) throw new WorkerConfigError(`${ENV.spec} is not set`);
  let spec: ExperimentSpec;
  try {
    spec = JSON.parse(readFileSync(specPath, 'utf8')) as ExperimentSpec;
  } catch (cause) {
    throw new WorkerConfigError(`cannot read the spec at ${specPath}: ${(cause as Error).message}`);
  }
  const publicKeys = (env[ENV.curvePublicKeys] ?? '').split(',').filter((k) => k !== '');
  const secretKey = env[ENV.curveSecretKey];
  if (publicKeys.length > 0 && (publicKeys.length !== worldSize || !secretKey)) throw new WorkerConfigError(`${ENV.curvePublicKeys} lists ${publicKeys.length} keys for ${worldSize} ranks, or ${ENV.curveSecretKey} is missing`);
  return { rank, worldSize, peers, spec, ...(env[ENV.run] ? { run: env[ENV.run] } : {}), ...(publicKeys.length > 0 && secretKey ? { curve: { publicKeys, secretKey } } : {}) };
}

const stop = { requested: false };
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void (stop.requested = true));
// Started by a launcher with an IPC channel: when the launcher dies the channel disconnects, and a
// worker without its launcher exits rather than train on unseen (its peers fail fast and name it).
const onLauncherGone = () => {
  process.stderr.write('launcher gone (IPC channel closed); exiting\n');
  process.exit(1);
};
if (process.send) process.on('disconnect', onLauncherGone);

const rank = Number(process.env[ENV.rank] ?? -1);
// Step spans go to OTEL_EXPORTER_OTLP_ENDPOINT when it is set (OpenTelemetry's own variable).
const tracing = startTracing('orquesta-worker', process.env['OTEL_EXPORTER_OTLP_ENDPOINT'], { 'orquesta.rank': rank });
try {
  const setup = readSetup(process.env);
  await runWorker(setup, { report: (r) => process.stdout.write(`${formatWorkerReport(r)}\n`), log: (line) => process.stderr.write(`${line}\n`) }, stop);
  process.exitCode = 0;
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  process.stdout.write(`${formatWorkerReport({ v: 1, type: 'failed', rank, error: e.name, message: e.message })}\n`);
  process.stderr.write(`${e.name}: ${e.message}\n`);
  process.exitCode = 1;
}
await tracing.shutdown();
// Done: release the IPC channel so the process can exit.
process.off('disconnect', onLauncherGone);
if (process.connected) process.disconnect();
