/**
 * `orquesta slurm-task`: what each task of a trial's sbatch job runs. It reads its rank from Slurm's
 * variables, picks a free port, joins the run's rendezvous on the coordinator's control socket,
 * starts the worker with the peers' endpoints, relays its reports, logs and exit, passes SIGTERM on
 * (the worker checkpoints and stops) and exits with the worker's status, so srun sees failures. With
 * peer recovery a failed worker may be replaced in this task first (slurm-task-worker.ts).
 */
import { createServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { decodeControlMessage, ENV, parseWorkerSpec, type CoordinatorMessage, type WorkerSetup } from '@orquesta/protocol';
import { firstIPv4 } from '../agent/host-address.js';
import { workerRelay } from '../agent/worker-relay.js';
import { launchWorker } from '../worker/launch-worker.js';
import { partitionLink } from '../agent/partition-link.js';
import { SlurmTaskWorker } from './slurm-task-worker.js';
import { usesSockets } from '../worker/uses-sockets.js';
import { ZmqAgentConnection } from '../agent/zmq-agent-connection.js';
import { slurmRank } from './slurm-rank.js';

export interface SlurmTaskOptions {
  /** Coordinator control endpoint, tcp://HOST:PORT. */
  readonly control: string;
  readonly run: string;
  readonly specPath: string;
  readonly workerMain: string;
  readonly log: (line: string) => void;
  /** The task's environment (Slurm's variables, the coordinator's keys and token); the entry point passes process.env. */
  readonly env: Readonly<NodeJS.ProcessEnv>;
  /** Seconds to wait for every rank to join. Defaults to 600. */
  readonly rendezvousTimeoutSeconds?: number;
}

/** The rendezvous did not complete in time. */
export class RendezvousTimeoutError extends Error {
  override readonly name = 'RendezvousTimeoutError';
}

/** @returns the worker's exit status. @throws {SlurmEnvironmentError} @throws {RendezvousTimeoutError} */
export async function runSlurmTask(options: SlurmTaskOptions): Promise<number> {
  const me = slurmRank(options.env);
  const host = options.env['ORQUESTA_ADVERTISE_HOST'] ?? firstIPv4();
  const port = await freePort(host);
  type Peers = { endpoints: readonly string[]; curve?: { publicKeys: readonly string[]; secretKey: string } };
  let resolvePeers: (peers: Peers) => void = () => {};
  // Orders for the worker (regroup, replace, stop, chaos) once it runs; earlier ones have nothing to act on.
  let task: SlurmTaskWorker | undefined;
  const peers = new Promise<Peers>((resolve) => (resolvePeers = resolve));
  const serverKey = options.env[ENV.controlKey];
  const clientPublic = options.env[ENV.controlClientPublicKey];
  const clientSecret = options.env[ENV.controlClientSecretKey];
  const connection = new ZmqAgentConnection({
    id: `slurm-${me.jobId}-${me.rank}-${process.pid}`,
    endpoint: options.control,
    onFrame: (frame) => {
      try {
        const m = decodeControlMessage(frame);
        if (m.type === 'peers' && m.run === options.run) resolvePeers({ endpoints: m.endpoints, ...(m.curve ? { curve: m.curve } : {}) });
        else if (m.type === 'reject') options.log(`coordinator rejected a message: ${m.reason}`);
        else if (['regroup-workers', 'start-workers', 'stop-workers', 'chaos'].includes(m.type)) task?.order(m as CoordinatorMessage);
      } catch (error) {
        options.log(`dropped a control frame: ${(error as Error).message}`);
      }
    },
    log: options.log,
    ...(serverKey ? { serverKey } : {}),
    ...(clientPublic && clientSecret ? { clientKeys: { publicKey: clientPublic, secretKey: clientSecret } } : {}),
  });
  try {
    const token = options.env[ENV.token];
    connection.send({
      v: 1,
      type: 'rendezvous',
      run: options.run,
      rank: me.rank,
      worldSize: me.worldSize,
      endpoint: `tcp://${host}:${port}`,
      ...(token ? { token } : {}),
    });
    const timeout = options.rendezvousTimeoutSeconds ?? 600;
    let timer: NodeJS.Timeout | undefined;
    const joined = await Promise.race([
      peers,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new RendezvousTimeoutError(`rank ${me.rank}: not every rank of run ${options.run} joined within ${timeout} s`)),
          timeout * 1000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const spec = parseWorkerSpec(readFileSync(options.specPath, 'utf8'), options.specPath);
    const setup: WorkerSetup = {
      rank: me.rank,
      worldSize: me.worldSize,
      localRank: me.localRank,
      localWorldSize: me.localWorldSize,
      peers: joined.endpoints,
      run: options.run,
      specPath: options.specPath,
      ...(joined.curve ? { curve: joined.curve } : {}),
      ...(spec.fault_tolerance.recovery === 'peer' && !spec.optimizer.shard && me.worldSize > 1 ? { peerRecovery: true } : {}),
    };
    const relay = workerRelay(connection, options.run, me.rank);
    task = new SlurmTaskWorker({
      setup,
      launch: (s, onExit) =>
        launchWorker({
          setup: s,
          baseEnv: options.env,
          sockets: usesSockets(s, spec),
          workerMain: options.workerMain,
          cwd: process.cwd(),
          onReport: relay.onReport,
          onLog: relay.onLog,
          onExit,
        }),
      exited: relay.exited,
      waitMs: spec.fault_tolerance.replacement_timeout_s * 1000,
      chaos: { exit: (code) => process.exit(code), partition: (seconds) => partitionLink(host, seconds, options.log), log: options.log },
      log: options.log,
    });
    const running = task;
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => running.stop('SIGTERM'));
    const status = await running.done;
    // Let the last messages leave before the socket closes.
    await new Promise((r) => setTimeout(r, 300));
    return status;
  } finally {
    connection.close();
  }
}

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
