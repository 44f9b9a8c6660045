/**
 * The worker of one Slurm task, and the coordinator's orders for it. Without peer recovery the task
 * ends with its worker (srun then ends the job step when it failed). With it (the spec's
 * fault_tolerance.recovery peer), a failed worker is not yet the task's end: the task reports the exit
 * and waits for the coordinator's answer, keeping its slot (node, GPUs, data-plane endpoint):
 *
 *   running --worker exits 0, or fails without peer recovery, or was told to stop--> done
 *   running --worker fails--> waiting
 *   waiting --start-workers for this rank--> running (a replacement in this slot, joining generation g)
 *   waiting --stop-workers, SIGTERM, or no answer within `waitMs`--> done (with the failure's status)
 *
 * Orders passed on while running: regroup-workers (to the worker over its IPC channel), stop-workers
 * (SIGTERM to checkpoint and stop, or SIGKILL) and chaos.
 */
import { ENV, type CoordinatorMessage, type WorkerSetup } from '@orquesta/protocol';
import { rehearseChaos, type ChaosHooks } from '../agent/rehearse-chaos.js';
import type { LaunchedWorker, WorkerExit } from '../worker/launch-worker.js';

export interface SlurmTaskWorkerOptions {
  /** This task's setup; `peerRecovery` set means a failed worker waits for the coordinator's answer. */
  readonly setup: WorkerSetup;
  /** Starts a worker with this setup; `onExit` is called once when it has exited. @throws {Error} it cannot be spawned. */
  readonly launch: (setup: WorkerSetup, onExit: (exit: WorkerExit) => void) => LaunchedWorker;
  /** Told of each worker's exit (the relay to the coordinator). */
  readonly exited: (exit: WorkerExit) => void;
  /** ms a failed worker's task waits for the coordinator to start a replacement (the spec's replacement_timeout_s). */
  readonly waitMs: number;
  /** Timers, injectable for tests. Defaults to setTimeout. @returns a cancel function. */
  readonly after?: (ms: number, run: () => void) => () => void;
  readonly chaos: ChaosHooks;
  readonly log: (line: string) => void;
}

type State =
  | { readonly kind: 'running'; readonly worker: LaunchedWorker; stopping: boolean }
  | { readonly kind: 'waiting'; readonly status: number; readonly cancel: () => void }
  | { readonly kind: 'done' };

export class SlurmTaskWorker {
  private state: State = { kind: 'done' };
  private finish: (status: number) => void = () => {};
  /** Resolves with the task's exit status. */
  readonly done: Promise<number>;

  constructor(private readonly options: SlurmTaskWorkerOptions) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.start(options.setup);
  }

  /** A coordinator order; those for other runs or ranks are ignored. */
  order(message: CoordinatorMessage): void {
    const { setup, log } = this.options;
    const state = this.state;
    switch (message.type) {
      case 'regroup-workers':
        if (message.run !== setup.run || state.kind !== 'running') return;
        state.worker.send({
          v: 1,
          type: 'regroup',
          generation: message.generation,
          phase: message.phase,
          ...(message.endpoints ? { endpoints: [...message.endpoints] } : {}),
        });
        log(`${message.phase === 'leave' ? 'leave the broken process group' : 'form process group'} ${message.generation}`);
        return;
      case 'start-workers': {
        const launch = message.run === setup.run ? message.workers.find((w) => w.rank === setup.rank) : undefined;
        if (!launch || state.kind !== 'waiting') return;
        const generation = Number(launch.env[ENV.replacement]);
        if (!Number.isInteger(generation) || generation < 1) {
          log(`start-workers for rank ${setup.rank} has no valid ${ENV.replacement}; not replacing`);
          return;
        }
        state.cancel();
        log(`starting a replacement for rank ${setup.rank} in this task (process group ${generation})`);
        this.start({ ...setup, joinGeneration: generation });
        return;
      }
      case 'stop-workers':
        if (message.run !== setup.run || (message.rank !== undefined && message.rank !== setup.rank)) return;
        return this.stop(message.mode === 'checkpoint' ? 'SIGTERM' : 'SIGKILL');
      case 'chaos':
        if (message.run !== setup.run || message.rank !== setup.rank) return;
        log(`chaos: ${message.action}${message.seconds ? ` (${message.seconds} s)` : ''}`);
        return rehearseChaos(message.action, state.kind === 'running' ? state.worker : undefined, message.seconds, this.options.chaos);
      default:
        return;
    }
  }

  /** Stops the worker (SIGTERM: checkpoint and stop at the next step boundary); a waiting task ends at once. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): void {
    const state = this.state;
    if (state.kind === 'running') {
      state.stopping = true;
      state.worker.signal(signal);
    } else if (state.kind === 'waiting') {
      state.cancel();
      this.end(state.status, 'told to stop while waiting for a replacement');
    }
  }

  private start(setup: WorkerSetup): void {
    let worker: LaunchedWorker;
    try {
      worker = this.options.launch(setup, (exit) => this.onExit(exit));
    } catch (error) {
      this.options.log(`cannot start worker: ${(error as Error).message}`);
      this.options.exited({ rank: setup.rank, code: 127, signal: null, ok: false, description: `rank ${setup.rank} could not start` });
      this.end(127);
      return;
    }
    this.state = { kind: 'running', worker, stopping: false };
  }

  private onExit(exit: WorkerExit): void {
    const state = this.state;
    this.options.exited(exit);
    this.options.log(exit.description);
    const status = exit.code ?? (exit.signal ? 128 + 15 : 1);
    if (exit.ok || state.kind !== 'running' || state.stopping || this.options.setup.peerRecovery !== true) return this.end(status);
    // Peer recovery: the coordinator answers with a replacement in this slot, or a stop.
    const seconds = Math.round(this.options.waitMs / 1000);
    const cancel = (this.options.after ?? defaultAfter)(this.options.waitMs, () => this.end(status, `no replacement ordered within ${seconds} s`));
    this.state = { kind: 'waiting', status, cancel };
  }

  private end(status: number, why?: string): void {
    if (why) this.options.log(`ending the task with status ${status}: ${why}`);
    this.state = { kind: 'done' };
    this.finish(status);
  }
}

function defaultAfter(ms: number, run: () => void): () => void {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
}
