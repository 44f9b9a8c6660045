/**
 * A node agent: registers its slots with the coordinator, heartbeats, and starts and kills worker
 * processes on the coordinator's order, passing on their reports, log lines and exits. Workers keep
 * running when the coordinator goes away; the agent re-registers (listing them) when it is back.
 * Processes and the connection are injected; the caller drives `heartbeat()` on a timer.
 */
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  blasThreadsForRank,
  ControlDecodeError,
  decodeControlMessage,
  ENV,
  parseWorkerSpec,
  readRankAssignment,
  type ChaosAction,
  type CoordinatorMessage,
  type ExperimentSpec,
  type RankAssignment,
  type RunningWorker,
  type WorkerLaunch,
} from '@orquesta/protocol';
import { launchWorker, type LaunchedWorker } from '../worker/launch-worker.js';
import type { Spawner } from '../worker/spawner.js';
import { usesSockets } from '../worker/uses-sockets.js';
import { writeWorkerSpec } from '../worker/worker-spec-file.js';
import type { AgentConnection } from './agent-connection.js';
import { workerRelay } from './worker-relay.js';
import { partitionLink } from './partition-link.js';
import { rehearseChaos } from './rehearse-chaos.js';

export interface NodeAgentOptions {
  readonly id: string;
  /** Address peers on other hosts reach this node's workers at. */
  readonly host: string;
  readonly slots: number;
  /** GPU id per slot (from nvidia-smi), or empty for CPU slots. */
  readonly gpus: readonly string[];
  /** Inclusive data-plane port range for workers. */
  readonly ports: readonly [number, number];
  /** Working directory of workers: the spec's relative paths resolve against it. */
  readonly workdir: string;
  /** Where the agent writes each run's spec file. */
  readonly stateDir: string;
  /** Worker entry point (JavaScript run with this Node). */
  readonly workerMain: string;
  readonly connection: AgentConnection;
  /** The agent's environment, inherited by its workers under their rank contract (the entry point passes process.env). */
  readonly baseEnv: Readonly<NodeJS.ProcessEnv>;
  /** Directory for ipc sockets: a run whose ranks all run on this agent uses them instead of TCP ports. Defaults to none (TCP). */
  readonly ipcDir?: string;
  readonly spawner?: Spawner;
  /** CPU cores shared by this node's workers (sets ORQUESTA_BLAS_THREADS). Defaults to the machine's. */
  readonly cores?: number;
  readonly log?: (line: string) => void;
  /** Monotonic ms. Defaults to performance.now. */
  readonly now?: () => number;
  /** The coordinator's token (sent in hello). */
  readonly token?: string;
  /** Wall clock (epoch ms) stamped on heartbeats. Defaults to Date.now. */
  readonly wallClock?: () => number;
  /** How `chaos kill-agent` ends the process. Defaults to process.exit. */
  readonly exit?: (code: number) => void;
  /** How `chaos partition` cuts the link. Defaults to `ip link set IF down` for the seconds given. */
  readonly partition?: (host: string, seconds: number, log: (line: string) => void) => void;
}

export class NodeAgent {
  private readonly workers = new Map<string, LaunchedWorker>();
  /** Runs whose workers here talk over ipc sockets (all of their ranks run on this node). */
  private readonly ipcRuns = new Set<string>();
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private welcomed = false;
  /** Shutting down (drain): heartbeats say so. */
  private draining = false;
  /** When the last hello went out (ms), so a burst of reregister answers sends one hello. */
  private helloAt = -Infinity;
  /** Heartbeat period the coordinator asked for, in ms. */
  heartbeatMs = 1000;

  constructor(private readonly options: NodeAgentOptions) {
    this.log = options.log ?? (() => {});
    this.now = options.now ?? (() => performance.now());
  }

  /** Slots this agent offers. */
  get slots(): number {
    return this.options.slots;
  }

  get registered(): boolean {
    return this.welcomed;
  }

  /** Workers running now, as the coordinator sees them. */
  running(): RunningWorker[] {
    return [...this.workers.entries()].map(([key, worker]) => {
      const [run, rank] = key.split('#');
      return { run: run ?? '', rank: Number(rank), pid: worker.pid ?? 0 };
    });
  }

  hello(): void {
    this.helloAt = this.now();
    const { id, host, slots, gpus, ports } = this.options;
    this.options.connection.send({
      v: 1,
      type: 'hello',
      agent: id,
      host,
      slots,
      gpus,
      ports,
      running: this.running(),
      ...(this.options.token ? { token: this.options.token } : {}),
    });
  }

  heartbeat(): void {
    this.options.connection.send({
      v: 1,
      type: 'heartbeat',
      agent: this.options.id,
      running: this.running(),
      ...(this.draining ? { draining: true } : {}),
      sentAt: (this.options.wallClock ?? Date.now)(),
    });
  }

  /**
   * Shutting down (SIGTERM, a drain, a preemption notice): tells the coordinator at once (a heartbeat
   * with `draining`: it places nothing new here) and asks every worker to checkpoint at its next step
   * boundary and stop (SIGTERM). The caller waits for them, within its grace period.
   */
  drain(): void {
    this.draining = true;
    this.heartbeat();
    this.killAll('SIGTERM');
  }

  /** One frame from the coordinator. Malformed frames are logged and dropped. */
  receive(frame: Uint8Array): void {
    let message: CoordinatorMessage;
    try {
      const decoded = decodeControlMessage(frame);
      if (!['welcome', 'reregister', 'start-workers', 'stop-workers', 'reject', 'peers', 'chaos', 'regroup-workers'].includes(decoded.type))
        throw new ControlDecodeError(`${decoded.type} is not a coordinator message`);
      message = decoded as CoordinatorMessage;
    } catch (error) {
      this.log(`dropped a control frame: ${(error as Error).message}`);
      return;
    }
    switch (message.type) {
      case 'welcome':
        this.welcomed = true;
        this.heartbeatMs = message.heartbeatMs;
        this.log(`registered with the coordinator as ${message.agent}`);
        return;
      case 'reregister':
        this.welcomed = false;
        // Heartbeats queued while the coordinator was away each get this answer: one hello will do.
        if (this.now() - this.helloAt < 2 * this.heartbeatMs) return;
        this.log(`coordinator asks to register again (${message.reason})`);
        return this.hello();
      case 'start-workers':
        return this.start(message.run, message.spec, message.workers);
      case 'stop-workers':
        return this.stop(message.run, message.mode, message.rank);
      case 'reject':
        this.log(`coordinator rejected a message: ${message.reason}`);
        return;
      case 'chaos':
        return this.chaos(message.action, message.run, message.rank, message.seconds);
      case 'peers':
        this.log(`ignored peers for run ${message.run} (agents' workers get their peers at start)`);
        return;
      case 'regroup-workers':
        return this.regroup(message.run, message.generation, message.phase, message.endpoints);
      default: {
        const unreachable: never = message;
        this.log(`unhandled message ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** Kills every worker (the agent is shutting down). */
  killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
    for (const worker of this.workers.values()) worker.signal(signal);
  }

  private start(run: string, specJson: string, launches: readonly WorkerLaunch[]): void {
    const { connection } = this.options;
    const runDir = join(this.options.stateDir, 'runs', run);
    const refuse = (rank: number, why: string) => {
      const relay = workerRelay(connection, run, rank);
      relay.onLog(why);
      relay.exited({ code: 127, signal: null });
    };
    let spec: ExperimentSpec;
    let specPath: string;
    try {
      spec = parseWorkerSpec(specJson, `the start-workers message of run ${run}`);
      specPath = writeWorkerSpec(runDir, spec);
    } catch (error) {
      for (const w of launches) refuse(w.rank, `agent ${this.options.id} cannot start run ${run}: ${(error as Error).message}`);
      return;
    }
    const cores = this.options.cores ?? availableParallelism();
    // Without GPUs here, a CUDA_VISIBLE_DEVICES of the agent's own must not reach the workers.
    const baseEnv = { ...this.options.baseEnv };
    if (this.options.gpus.length === 0) delete baseEnv[ENV.cudaVisibleDevices];
    for (const launch of launches) {
      const key = `${run}#${launch.rank}`;
      if (this.workers.has(key)) continue;
      let worker: LaunchedWorker;
      const relay = workerRelay(connection, run, launch.rank);
      try {
        const assignment = this.localEndpoints(run, readRankAssignment(launch.env));
        worker = launchWorker({
          setup: { ...assignment, specPath, blasThreads: blasThreadsForRank(baseEnv, cores, assignment.localWorldSize) },
          baseEnv,
          sockets: usesSockets(assignment, spec),
          workerMain: this.options.workerMain,
          cwd: this.options.workdir,
          ...(this.options.spawner ? { spawner: this.options.spawner } : {}),
          onReport: relay.onReport,
          onLog: relay.onLog,
          onExit: (exit) => {
            relay.exited(exit);
            this.workers.delete(key);
            this.log(`run ${run}: ${exit.description}`);
            if (![...this.workers.keys()].some((k) => k.startsWith(`${run}#`))) rmSync(runDir, { recursive: true, force: true });
          },
        });
      } catch (error) {
        refuse(launch.rank, `cannot start worker: ${(error as Error).message}`);
        continue;
      }
      this.workers.set(key, worker);
      this.log(`run ${run}: started rank ${launch.rank} (pid ${worker.pid ?? '?'})`);
    }
    // A heartbeat right away tells the coordinator the workers are up.
    this.heartbeat();
  }

  /** With `ipcDir`, a run whose ranks all run here talks over ipc sockets instead of TCP ports. */
  private localEndpoints(run: string, a: RankAssignment): RankAssignment {
    if (this.options.ipcDir === undefined || a.localWorldSize !== a.worldSize) return a;
    this.ipcRuns.add(run);
    return { ...a, peers: a.peers.map((_, rank) => this.ipcEndpoint(run, rank)) };
  }

  private ipcEndpoint(run: string, rank: number): string {
    return `ipc://${join(this.options.ipcDir ?? '', `${run}-rank-${rank}.sock`)}`;
  }

  /** Rehearsed failures (`orquesta chaos`): what a real crash, hang or cut link would do. */
  private chaos(action: ChaosAction, run: string, rank: number, seconds: number): void {
    this.log(`chaos: ${action} (run ${run} rank ${rank}${seconds ? `, ${seconds} s` : ''})`);
    rehearseChaos(action, this.workers.get(`${run}#${rank}`), seconds, {
      exit: this.options.exit ?? ((code: number) => process.exit(code)),
      partition: (s) => (this.options.partition ?? partitionLink)(this.options.host, s, this.log),
      log: this.log,
    });
  }

  /**
   * Peer recovery: passes the coordinator's order to every worker of the run here, over its IPC channel.
   * @param endpoints the next group's endpoints by rank, when a replacement moved (tcp; kept on ipc for a run whose ranks all run here).
   */
  private regroup(run: string, generation: number, phase: 'leave' | 'join', endpoints: readonly string[] | undefined): void {
    const order = {
      v: 1,
      type: 'regroup',
      generation,
      phase,
      ...(endpoints === undefined ? {} : { endpoints: this.ipcRuns.has(run) ? endpoints.map((_, rank) => this.ipcEndpoint(run, rank)) : [...endpoints] }),
    } as const;
    for (const [key, worker] of this.workers) if (key.startsWith(`${run}#`)) worker.send(order);
    this.log(`run ${run}: ${phase === 'leave' ? 'leave the broken process group' : 'form process group'} ${generation}${endpoints ? ' on new endpoints' : ''}`);
  }

  /** @param rank only this rank's worker; every worker of the run when undefined. */
  private stop(run: string, mode: 'checkpoint' | 'kill', rank: number | undefined): void {
    const only = rank === undefined ? undefined : `${run}#${rank}`;
    for (const [key, worker] of this.workers)
      if (key.startsWith(`${run}#`) && (only === undefined || key === only)) worker.signal(mode === 'checkpoint' ? 'SIGTERM' : 'SIGKILL');
  }
}
