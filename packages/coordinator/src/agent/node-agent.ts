/**
 * A node agent: registers its slots with the coordinator, heartbeats, and starts and kills worker
 * processes on the coordinator's order, passing on their reports, log lines and exits. Workers keep
 * running when the coordinator goes away; the agent re-registers (listing them) when it is back.
 * Processes and the connection are injected; the caller drives `heartbeat()` on a timer.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  ControlDecodeError,
  decodeControlMessage,
  ENV,
  recommendedRankEnv,
  type ChaosAction,
  type CoordinatorMessage,
  type RunningWorker,
  type WorkerLaunch,
} from '@orquesta/protocol';
import type { Spawner } from '../launch/local-job.js';
import type { AgentConnection } from './agent-connection.js';
import { launchWorker } from './launch-worker.js';
import { partitionLink } from './partition-link.js';

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
  readonly spawner?: Spawner;
  /** CPU cores shared by this node's workers (sets ORQUESTA_BLAS_THREADS). Defaults to the machine's. */
  readonly cores?: number;
  readonly log?: (line: string) => void;
  /** Monotonic ms. Defaults to performance.now. */
  readonly now?: () => number;
  /** The coordinator's token (sent in hello). */
  readonly token?: string;
  /** How `chaos kill-agent` ends the process. Defaults to process.exit. */
  readonly exit?: (code: number) => void;
  /** How `chaos partition` cuts the link. Defaults to `ip link set IF down` for the seconds given. */
  readonly partition?: (host: string, seconds: number, log: (line: string) => void) => void;
}

export class NodeAgent {
  private readonly workers = new Map<string, ChildProcess>();
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private welcomed = false;
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
    return [...this.workers.entries()].map(([key, child]) => {
      const [run, rank] = key.split('#');
      return { run: run ?? '', rank: Number(rank), pid: child.pid ?? 0 };
    });
  }

  hello(): void {
    this.helloAt = this.now();
    const { id, host, slots, gpus, ports } = this.options;
    this.options.connection.send({ v: 1, type: 'hello', agent: id, host, slots, gpus, ports, running: this.running(), ...(this.options.token ? { token: this.options.token } : {}) });
  }

  heartbeat(): void {
    this.options.connection.send({ v: 1, type: 'heartbeat', agent: this.options.id, running: this.running() });
  }

  /** One frame from the coordinator. Malformed frames are logged and dropped. */
  receive(frame: Uint8Array): void {
    let message: CoordinatorMessage;
    try {
      const decoded = decodeControlMessage(frame);
      if (!['welcome', 'reregister', 'start-workers', 'stop-workers', 'reject', 'peers', 'chaos'].includes(decoded.type)) throw new ControlDecodeError(`${decoded.type} is not a coordinator message`);
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
        return this.stop(message.run, message.mode);
      case 'reject':
        this.log(`coordinator rejected a message: ${message.reason}`);
        return;
      case 'chaos':
        return this.chaos(message.action, message.run, message.rank, message.seconds);
      case 'peers':
        this.log(`ignored peers for run ${message.run} (agents' workers get their peers at start)`);
        return;
      default: {
        const unreachable: never = message;
        this.log(`unhandled message ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** Kills every worker (the agent is shutting down). */
  killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
    for (const child of this.workers.values()) child.kill(signal);
  }

  private start(run: string, specJson: string, launches: readonly WorkerLaunch[]): void {
    const { connection } = this.options;
    const runDir = join(this.options.stateDir, 'runs', run);
    const specPath = join(runDir, 'spec.json');
    try {
      mkdirSync(runDir, { recursive: true });
      writeFileSync(specPath, specJson);
    } catch (error) {
      for (const w of launches) {
        connection.send({ v: 1, type: 'worker-log', run, rank: w.rank, lines: [`agent ${this.options.id} cannot write ${specPath}: ${(error as Error).message}`] });
        connection.send({ v: 1, type: 'worker-exited', run, rank: w.rank, code: 127, signal: null });
      }
      return;
    }
    const cores = this.options.cores ?? availableParallelism();
    for (const launch of launches) {
      const key = `${run}#${launch.rank}`;
      if (this.workers.has(key)) continue;
      const localWorld = Number(launch.env[ENV.localWorldSize] ?? launches.length);
      const env: NodeJS.ProcessEnv = {
        ...recommendedRankEnv(process.env),
        ...process.env,
        [ENV.blasThreads]: process.env[ENV.blasThreads] ?? String(Math.max(1, Math.floor(cores / Math.max(1, localWorld)))),
        ...launch.env,
        [ENV.spec]: specPath,
      };
      if (launch.env[ENV.cudaVisibleDevices] === undefined && this.options.gpus.length === 0) delete env[ENV.cudaVisibleDevices];
      let child: ChildProcess;
      try {
        child = launchWorker({
          run,
          rank: launch.rank,
          env,
          sockets: localWorld < Number(launch.env[ENV.worldSize] ?? localWorld),
          workerMain: this.options.workerMain,
          cwd: this.options.workdir,
          connection,
          ...(this.options.spawner ? { spawner: this.options.spawner } : {}),
          onExit: (code, signal) => {
            this.workers.delete(key);
            this.log(`run ${run}: rank ${launch.rank} exited (${code ?? signal})`);
            if (![...this.workers.keys()].some((k) => k.startsWith(`${run}#`))) rmSync(runDir, { recursive: true, force: true });
          },
        });
      } catch (error) {
        connection.send({ v: 1, type: 'worker-log', run, rank: launch.rank, lines: [`cannot start worker: ${(error as Error).message}`] });
        connection.send({ v: 1, type: 'worker-exited', run, rank: launch.rank, code: 127, signal: null });
        continue;
      }
      this.workers.set(key, child);
      this.log(`run ${run}: started rank ${launch.rank} (pid ${child.pid ?? '?'})`);
    }
    // A heartbeat right away tells the coordinator the workers are up.
    this.heartbeat();
  }

  /** Rehearsed failures (`orquesta chaos`): what a real crash, hang or cut link would do. */
  private chaos(action: ChaosAction, run: string, rank: number, seconds: number): void {
    const child = this.workers.get(`${run}#${rank}`);
    this.log(`chaos: ${action} (run ${run} rank ${rank}${seconds ? `, ${seconds} s` : ''})`);
    switch (action) {
      case 'kill-worker':
        child?.kill('SIGKILL');
        return;
      case 'stall-worker':
        if (!child) return;
        child.kill('SIGSTOP');
        setTimeout(() => child.kill('SIGCONT'), seconds * 1000).unref();
        return;
      case 'kill-agent':
        (this.options.exit ?? ((code: number) => process.exit(code)))(137);
        return;
      case 'partition':
        (this.options.partition ?? partitionLink)(this.options.host, seconds, this.log);
        return;
      default: {
        const unreachable: never = action;
        this.log(`unknown chaos action ${String(unreachable)}`);
      }
    }
  }

  private stop(run: string, mode: 'checkpoint' | 'kill'): void {
    for (const [key, child] of this.workers) if (key.startsWith(`${run}#`)) child.kill(mode === 'checkpoint' ? 'SIGTERM' : 'SIGKILL');
  }
}
