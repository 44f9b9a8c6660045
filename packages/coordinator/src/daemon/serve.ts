/**
 * `orquesta serve`: the coordinator daemon. Opens the store (recovering every queued and running
 * experiment), binds the control socket for agents and, in a thread of its own, the HTTP API
 * (http/api-thread.ts), and ticks the control loop.
 */
import type { Meter } from '@opentelemetry/api';
import type { LiveSeries } from '@orquesta/telemetry';
import { z85Decode, type AgentKeyList, type KeyPair } from '@orquesta/curve';
import { firstIPv4 } from '@orquesta/launch';
import { ZmqControlServer } from '../control/zmq-control-server.js';
import { startApiThread } from '../http/api-thread-host.js';
import { Store } from '../store/store.js';
import { CommandLineSlurm, type SlurmClient } from '../slurm/slurm-client.js';
import { Coordinator } from './coordinator.js';

/** An address compute nodes can connect to when the server listens on every interface. */
function reachableHost(host: string): string {
  return host !== '0.0.0.0' && host !== '::' ? host : firstIPv4();
}

export interface ServeOptions {
  /** Interface to listen on. Defaults to 127.0.0.1. */
  readonly host?: string;
  /** HTTP port (0 picks one). Defaults to 7070. */
  readonly port?: number;
  /** Control socket port for agents (0 picks one). Defaults to port + 1. */
  readonly controlPort?: number;
  /** SQLite file. */
  readonly db: string;
  /** Directory specs' relative data paths are checked against. Defaults to the working directory. */
  readonly workdir?: string;
  /** Control loop period, in ms. Defaults to 500. */
  readonly tickMs?: number;
  /** An agent silent for this long is lost, in ms. Defaults to 5,000. */
  readonly agentTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /** Metrics: the meter instruments record to, and the Prometheus text served at GET /metrics. */
  readonly metrics?: { readonly meter: Meter; readonly live: LiveSeries; readonly prometheusText: () => Promise<string> };
  /** Directories specs' paths must stay inside. Defaults to [workdir]. */
  readonly pathRoots?: readonly string[];
  /** CURVE key pair of the control socket (see loadOrCreateKeyPair). None: plain TCP. */
  readonly controlKeys?: KeyPair;
  /**
   * With controlKeys: only agents whose public key is listed may connect to the control socket
   * (besides Slurm tasks, which use `taskKeys`). None: any client that knows the public key may connect
   * (registering still needs the token).
   */
  readonly agentKeys?: AgentKeyList;
  /** The client key pair Slurm tasks connect with (given to them in the batch script); admitted with agentKeys. */
  readonly taskKeys?: KeyPair;
  /** Bearer token for mutating API calls (see loadOrCreateToken). None: the API is open. */
  readonly token?: string;
  /** Require the token for reads too (the dashboard then needs ?token=...). */
  readonly readAuth?: boolean;
  /** Serve the API over HTTPS with this certificate and key (PEM; see loadOrCreateCertificate). None: plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Static files served by URL path (the dashboard at /). */
  readonly assets?: Readonly<Record<string, { readonly file: string; readonly contentType: string }>>;
  /** The `orquesta` CLI (its bin script) that serves experiments' checkpoints (`serve-model`) for POST /api/experiments/:id/translate. */
  readonly modelCli?: string;
  /** Enables `resources.launcher: slurm` through sbatch, squeue and scancel on this host. */
  readonly slurm?: { readonly cli: string; readonly stateDir: string; readonly client?: SlurmClient; readonly pollMs?: number };
}

export interface RunningServer {
  /** Base URL of the HTTP API. */
  readonly url: string;
  readonly controlEndpoint: string;
  readonly coordinator: Coordinator;
  close(): Promise<void>;
}

/** @throws {StoreOpenError} the database cannot be opened. @throws {Error} a port cannot be bound. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 7070;
  const log = options.log ?? (() => {});
  const store = new Store(options.db);
  // The control socket delivers frames to the coordinator created right after it.
  const target: { coordinator?: Coordinator } = {};
  let control: ZmqControlServer;
  try {
    const { agentKeys, taskKeys } = options;
    const taskKey = taskKeys ? z85Decode(taskKeys.publicKey) : undefined;
    const allowClient = agentKeys ? (key: Buffer) => agentKeys.allows(key) || (taskKey?.equals(key) ?? false) : undefined;
    control = await ZmqControlServer.bind(
      `tcp://${host}:${options.controlPort ?? (port === 0 ? 0 : port + 1)}`,
      (from, frame) => target.coordinator?.receive(from, frame),
      log,
      {
        ...(options.controlKeys ? { curveSecretKey: options.controlKeys.secretKey } : {}),
        ...(allowClient ? { allowClient } : {}),
      },
    );
  } catch (error) {
    store.close();
    throw error;
  }
  const coordinator = new Coordinator({
    store,
    channel: control,
    log,
    // With thousands queued a pass costs milliseconds: at most one per 50 ms, however fast events come.
    passGapMs: 50,
    // A burst of placements (an empty cluster, a wave of exits) goes out over several passes of 20 ms.
    passBudgetMs: 20,
    // Ticks come every tickMs (500): a gap of 5 of them means this process was stalled, not its agents.
    stallMs: 5 * (options.tickMs ?? 500),
    ...(options.workdir === undefined ? {} : { baseDir: options.workdir }),
    ...(options.agentTimeoutMs === undefined ? {} : { agentTimeoutMs: options.agentTimeoutMs }),
    ...(options.metrics ? { metrics: { meter: options.metrics.meter, live: options.metrics.live } } : {}),
    ...(options.pathRoots ? { pathRoots: options.pathRoots } : {}),
    ...(options.token === undefined ? {} : { controlToken: options.token }),
    ...(options.slurm
      ? {
          slurm: {
            client: options.slurm.client ?? new CommandLineSlurm(),
            control: `tcp://${reachableHost(host)}:${/:(\d+)$/.exec(control.endpoint)?.[1] ?? ''}`,
            stateDir: options.slurm.stateDir,
            cli: options.slurm.cli,
            ...(options.controlKeys ? { controlKey: options.controlKeys.publicKey } : {}),
            ...(options.controlKeys && options.taskKeys ? { taskKeys: options.taskKeys } : {}),
            workdir: options.workdir ?? process.cwd(),
            ...(options.slurm.pollMs === undefined ? {} : { pollMs: options.slurm.pollMs }),
          },
        }
      : {}),
  });
  target.coordinator = coordinator;
  const controlPort = Number(/:(\d+)$/.exec(control.endpoint)?.[1]);
  let api;
  try {
    api = await startApiThread({
      coordinator,
      store,
      log,
      db: options.db,
      host,
      port,
      api: {
        controlPort,
        ...(options.controlKeys ? { controlPublicKey: options.controlKeys.publicKey } : {}),
        ...(options.assets ? { assets: options.assets } : {}),
        ...(options.token === undefined ? {} : { token: options.token }),
        ...(options.readAuth ? { readAuth: true } : {}),
        ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
      },
      ...(options.metrics ? { prometheusText: options.metrics.prometheusText } : {}),
      ...(options.modelCli ? { serving: { cli: options.modelCli, baseDir: options.workdir ?? process.cwd() } } : {}),
    });
  } catch (error) {
    control.close();
    store.close();
    throw error;
  }
  const timer = setInterval(() => {
    try {
      coordinator.tick();
    } catch (error) {
      log(`control loop: ${(error as Error).stack ?? String(error)}`);
    }
  }, options.tickMs ?? 500);
  return {
    url: api.url,
    controlEndpoint: control.endpoint,
    coordinator,
    async close() {
      clearInterval(timer);
      await api.close();
      control.close();
      store.close();
    },
  };
}
