/**
 * `orquesta slurm-task`: what each task of a trial's sbatch job runs. It reads its rank from Slurm's
 * variables, picks a free port, joins the run's rendezvous on the coordinator's control socket,
 * starts the worker with the peers' endpoints, relays its reports, logs and exit, passes SIGTERM on
 * (the worker checkpoints and stops) and exits with the worker's status, so srun sees failures.
 */
import { createServer, type AddressInfo } from 'node:net';
import { decodeControlMessage, ENV, recommendedRankEnv } from '@orquesta/protocol';
import { firstIPv4 } from '../agent/host-address.js';
import { launchWorker } from '../agent/launch-worker.js';
import { ZmqAgentConnection } from '../control/zmq-agent-connection.js';
import { slurmRank } from './slurm-rank.js';

export interface SlurmTaskOptions {
  /** Coordinator control endpoint, tcp://HOST:PORT. */
  readonly control: string;
  readonly run: string;
  readonly specPath: string;
  readonly workerMain: string;
  readonly log: (line: string) => void;
  /** Seconds to wait for every rank to join. Defaults to 600. */
  readonly rendezvousTimeoutSeconds?: number;
}

/** The rendezvous did not complete in time. */
export class RendezvousTimeoutError extends Error {
  override readonly name = 'RendezvousTimeoutError';
}

/** @returns the worker's exit status. @throws {SlurmEnvironmentError} @throws {RendezvousTimeoutError} */
export async function runSlurmTask(options: SlurmTaskOptions): Promise<number> {
  const me = slurmRank(process.env);
  const host = process.env['ORQUESTA_ADVERTISE_HOST'] ?? firstIPv4();
  const port = await freePort(host);
  type Peers = { endpoints: readonly string[]; curve?: { publicKeys: readonly string[]; secretKey: string } };
  let resolvePeers: (peers: Peers) => void = () => {};
  const peers = new Promise<Peers>((resolve) => (resolvePeers = resolve));
  const serverKey = process.env[ENV.controlKey];
  const clientPublic = process.env[ENV.controlClientPublicKey];
  const clientSecret = process.env[ENV.controlClientSecretKey];
  const connection = new ZmqAgentConnection({
    id: `slurm-${me.jobId}-${me.rank}-${process.pid}`,
    endpoint: options.control,
    onFrame: (frame) => {
      try {
        const m = decodeControlMessage(frame);
        if (m.type === 'peers' && m.run === options.run) resolvePeers({ endpoints: m.endpoints, ...(m.curve ? { curve: m.curve } : {}) });
        else if (m.type === 'reject') options.log(`coordinator rejected a message: ${m.reason}`);
      } catch (error) {
        options.log(`dropped a control frame: ${(error as Error).message}`);
      }
    },
    log: options.log,
    ...(serverKey ? { serverKey } : {}),
    ...(clientPublic && clientSecret ? { clientKeys: { publicKey: clientPublic, secretKey: clientSecret } } : {}),
  });
  try {
    const token = process.env[ENV.token];
    connection.send({ v: 1, type: 'rendezvous', run: options.run, rank: me.rank, worldSize: me.worldSize, endpoint: `tcp://${host}:${port}`, ...(token ? { token } : {}) });
    const timeout = options.rendezvousTimeoutSeconds ?? 600;
    let timer: NodeJS.Timeout | undefined;
    const joined = await Promise.race([
      peers,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RendezvousTimeoutError(`rank ${me.rank}: not every rank of run ${options.run} joined within ${timeout} s`)), timeout * 1000);
      }),
    ]).finally(() => clearTimeout(timer));
    const env: NodeJS.ProcessEnv = {
      ...recommendedRankEnv(process.env),
      ...process.env,
      [ENV.rank]: String(me.rank),
      [ENV.worldSize]: String(me.worldSize),
      [ENV.localRank]: String(me.localRank),
      [ENV.localWorldSize]: String(me.localWorldSize),
      [ENV.peers]: joined.endpoints.join(','),
      ...(joined.curve ? { [ENV.curvePublicKeys]: joined.curve.publicKeys.join(','), [ENV.curveSecretKey]: joined.curve.secretKey } : {}),
      [ENV.spec]: options.specPath,
      [ENV.run]: options.run,
    };
    const exit = new Promise<number>((resolve) => {
      const child = launchWorker({
        run: options.run,
        rank: me.rank,
        env,
        sockets: me.localWorldSize < me.worldSize,
        workerMain: options.workerMain,
        cwd: process.cwd(),
        connection,
        onExit: (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)),
      });
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill('SIGTERM'));
    });
    const status = await exit;
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
