/**
 * Worker process entry: environment -> setup -> runWorker -> exit code. Reads RANK, WORLD_SIZE,
 * ORQUESTA_PEERS and ORQUESTA_SPEC (torchrun's names where torchrun has one). SIGTERM and SIGINT
 * ask every rank to stop after the current step with a checkpoint.
 */
import { readFileSync } from 'node:fs';
import { ENV, formatWorkerReport, parseLauncherMessage, parseWorkerSpec, readWorkerSetup, WorkerSetupError } from '@orquesta/protocol';
import { backendOptionsFromEnv } from '@orquesta/model';
import { startTracing } from '@orquesta/telemetry';
import { runWorker, type WorkerJob } from './run-worker.js';
import { regroupOrders } from './train/regroup-orders.js';

/** @throws {WorkerSetupError} naming the variable or spec field at fault. */
function readJob(env: NodeJS.ProcessEnv): WorkerJob {
  const setup = readWorkerSetup(env);
  let text: string;
  try {
    text = readFileSync(setup.specPath, 'utf8');
  } catch (cause) {
    throw new WorkerSetupError(`cannot read the spec at ${setup.specPath}: ${(cause as Error).message}`, { cause });
  }
  const spec = parseWorkerSpec(text, setup.specPath);
  return { ...setup, spec, backendOptions: backendOptionsFromEnv(env) };
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
// Peer recovery's regroup orders come over the same channel; listening from the start loses none.
const orders = process.send && process.env[ENV.recovery] === 'peer' ? regroupOrders(process, parseLauncherMessage) : undefined;

const rank = Number(process.env[ENV.rank] ?? -1);
// Step spans go to OTEL_EXPORTER_OTLP_ENDPOINT when it is set (OpenTelemetry's own variable).
const tracing = startTracing('orquesta-worker', process.env['OTEL_EXPORTER_OTLP_ENDPOINT'], { 'orquesta.rank': rank });
try {
  const job = readJob(process.env);
  await runWorker(
    job,
    { report: (r) => process.stdout.write(`${formatWorkerReport(r)}\n`), log: (line) => process.stderr.write(`${line}\n`), ...(orders ? { orders } : {}) },
    stop,
  );
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
