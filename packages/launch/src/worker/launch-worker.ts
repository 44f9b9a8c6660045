/**
 * Starts one worker process: the one launch path of node agents (and so of `orquesta train`, whose
 * embedded coordinator has an in-process agent) and of Slurm tasks.
 *   1. environment: the recommended rank tuning, the launcher's own variables, then the rank contract
 *      (`toWorkerEnv`), so a launcher's stale RANK or ORQUESTA_PEERS can never leak through;
 *   2. command: this node with the recommended node flags when the data plane is sockets, then the script;
 *   3. stdout lines that are worker reports go to `onReport`, every other line (and stderr) to `onLog`;
 *   4. the exit is classified once (`WorkerExit`), naming the rank and the worker's own last error.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseWorkerReport, recommendedRankEnv, toWorkerEnv, type LauncherMessage, type WorkerReport, type WorkerSetup } from '@orquesta/protocol';
import { describeExit } from './describe-exit.js';
import { defaultSpawner, type Spawner } from './spawner.js';
import { workerNodeFlags } from './worker-node-flags.js';

/** Longest wait, in ms, for a worker's output pipes to close after it exited. */
const PIPE_DRAIN_MS = 2000;

/** How a worker ended. */
export interface WorkerExit {
  readonly rank: number;
  readonly code: number | null;
  readonly signal: string | null;
  /** Exit code 0. */
  readonly ok: boolean;
  /** "rank 1 exited with signal SIGKILL (PeerLostError: ...)". */
  readonly description: string;
}

export interface WorkerLaunchOptions {
  readonly setup: WorkerSetup;
  /** The worker entry point (a JavaScript file run with this process's node). */
  readonly workerMain: string;
  /** Working directory of the worker: the spec's relative paths resolve against it. */
  readonly cwd: string;
  /** The launcher's environment, inherited by the worker under the rank contract (entry points pass process.env). */
  readonly baseEnv: Readonly<NodeJS.ProcessEnv>;
  /** True when gradients cross hosts through sockets: the worker gets the recommended node flags. */
  readonly sockets: boolean;
  readonly onReport: (report: WorkerReport) => void;
  readonly onLog: (line: string) => void;
  /** Called once, after the process has exited and its output was read. */
  readonly onExit: (exit: WorkerExit) => void;
  readonly spawner?: Spawner;
}

export interface LaunchedWorker {
  readonly pid: number | undefined;
  /** Sends a signal unless the worker has exited (SIGTERM: checkpoint and stop after the current step). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM now, SIGKILL after `graceMs` unless it has exited by then. */
  stop(graceMs: number): void;
  /** Passes a message over the worker's IPC channel; dropped when it has exited or has no channel. */
  send(message: LauncherMessage): void;
}

/** @throws {Error} the process cannot be spawned (the caller reports it as the rank's exit). */
export function launchWorker(options: WorkerLaunchOptions): LaunchedWorker {
  const { setup } = options;
  const env: NodeJS.ProcessEnv = { ...recommendedRankEnv(options.baseEnv), ...options.baseEnv, ...toWorkerEnv(setup) };
  const child: ChildProcess = (options.spawner ?? defaultSpawner)(
    process.execPath,
    [...workerNodeFlags(env, options.sockets), options.workerMain],
    env,
    options.cwd,
  );
  let lastError: string | undefined;
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;
  const streams: Promise<void>[] = [];
  const lines = (stream: NodeJS.ReadableStream | null, each: (line: string) => void) => {
    if (!stream) return;
    const reader = createInterface({ input: stream });
    reader.on('line', each);
    streams.push(new Promise((resolve) => reader.once('close', resolve)));
  };
  lines(child.stdout, (line) => {
    const report = parseWorkerReport(line);
    if (!report) return options.onLog(line);
    if (report.type === 'failed') lastError = `${report.error}: ${report.message}`;
    options.onReport(report);
  });
  lines(child.stderr, options.onLog);
  child.on('error', (error) => options.onLog(`worker process error: ${error.message}`));
  child.on('exit', (code, signal) => {
    exited = true;
    if (killTimer) clearTimeout(killTimer);
    // The last report lines (a `failed` with its error) may still be in the pipes; a pipe some other
    // process holds open must not hide the exit, hence the bound.
    const drained = new Promise<void>((resolve) => setTimeout(resolve, PIPE_DRAIN_MS).unref());
    void Promise.race([Promise.all(streams), drained]).then(() =>
      options.onExit({ rank: setup.rank, code, signal, ok: code === 0, description: describeExit(setup.rank, { code, signal }, lastError) }),
    );
  });
  const signal = (name: NodeJS.Signals) => {
    if (!exited) child.kill(name);
  };
  return {
    pid: child.pid,
    signal,
    send(message) {
      if (!exited && child.connected) child.send(message, (error) => error && options.onLog(`could not pass ${message.type} to the worker: ${error.message}`));
    },
    stop(graceMs) {
      signal('SIGTERM');
      killTimer ??= setTimeout(() => signal('SIGKILL'), graceMs);
      killTimer.unref();
    },
  };
}
