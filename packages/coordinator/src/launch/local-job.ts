/**
 * Runs one experiment's workers as local processes (the embedded coordinator of `orquesta train`):
 *   1. write the validated spec as JSON beside the checkpoints (the workers' only configuration),
 *   2. give every rank an ipc endpoint in a private temporary directory (no port races),
 *   3. start WORLD_SIZE worker processes with RANK, WORLD_SIZE, LOCAL_RANK, ORQUESTA_PEERS and
 *      ORQUESTA_SPEC set, and read their reports (stdout) and logs (stderr) line by line,
 *   4. when a worker fails, name it and stop the others (SIGTERM, then SIGKILL after a grace
 *      period); `stop()` asks every worker to checkpoint and stop after its current step,
 *   5. resolve once every worker has exited.
 * Processes are started through an injectable spawner.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ENV, parseWorkerReport, recommendedRankEnv, type ExperimentSpec, type WorkerReport } from '@orquesta/protocol';
import { workerNodeFlags } from './worker-node-flags.js';

export type Spawner = (command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string) => ChildProcess;

export interface LocalJobOptions {
  readonly spec: ExperimentSpec;
  /** Worker processes (overrides nothing: pass spec.resources.workers unless the user asked otherwise). */
  readonly workers: number;
  /** The worker entry point (a JavaScript file run with this Node). */
  readonly workerMain: string;
  /** Working directory of the workers; the spec's relative paths resolve against it. */
  readonly cwd: string;
  /** Reports of every rank (rank 0 reports progress). */
  readonly onReport: (report: WorkerReport, rank: number) => void;
  /** Anything else a worker prints. */
  readonly onLog: (rank: number, line: string) => void;
  /** Seconds between SIGTERM and SIGKILL when stopping workers after a failure. Defaults to 10. */
  readonly killGraceSeconds?: number;
  readonly spawner?: Spawner;
}

export interface LocalJobResult {
  readonly ok: boolean;
  /** Exit code (or signal name) per rank. */
  readonly exits: readonly (number | string)[];
  /** The first failure, naming its rank. */
  readonly failure?: { readonly rank: number; readonly message: string };
}

export interface LocalJob {
  readonly done: Promise<LocalJobResult>;
  /** Asks every worker to checkpoint and stop after its current step (a second call kills them). */
  stop(): void;
}

// The 'ipc' channel is how a worker notices that its launcher died (it disconnects): the worker exits
// instead of training on as an orphan.
const defaultSpawner: Spawner = (command, args, env, cwd) => nodeSpawn(command, [...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });

export function startLocalJob(options: LocalJobOptions): LocalJob {
  const { spec, workers, cwd } = options;
  const spawner = options.spawner ?? defaultSpawner;
  const runDir = resolve(cwd, spec.checkpoint.dir);
  mkdirSync(runDir, { recursive: true });
  const specPath = join(runDir, 'spec.json');
  writeFileSync(specPath, JSON.stringify({ ...spec, resources: { ...spec.resources, workers } }, null, 2));
  const socketDir = mkdtempSync(join(tmpdir(), 'orquesta-'));
  const run = `${spec.name}-${Date.now()}`;
  const peers = Array.from({ length: workers }, (_, r) => `ipc://${join(socketDir, `rank-${r}.sock`)}`);
  const exits: (number | string | undefined)[] = new Array(workers).fill(undefined);
  let failure: { rank: number; message: string } | undefined;
  let stopping = 0;
  const children: ChildProcess[] = [];
  const lastError: string[] = new Array(workers).fill('');

  const killAll = (signal: NodeJS.Signals) => {
    for (const [rank, child] of children.entries()) if (exits[rank] === undefined) child.kill(signal);
  };
  let killTimer: NodeJS.Timeout | undefined;
  const failOthers = () => {
    killAll('SIGTERM');
    killTimer ??= setTimeout(() => killAll('SIGKILL'), (options.killGraceSeconds ?? 10) * 1000);
    killTimer.unref();
  };

  const done = new Promise<LocalJobResult>((resolveDone) => {
    for (let rank = 0; rank < workers; rank++) {
      const env = {
        ...recommendedRankEnv(process.env),
        ...process.env,
        [ENV.rank]: String(rank),
        [ENV.worldSize]: String(workers),
        [ENV.localRank]: String(rank),
        [ENV.localWorldSize]: String(workers),
        // Native BLAS threads: the machine's cores shared among this job's workers, unless set.
        [ENV.blasThreads]: process.env[ENV.blasThreads] ?? String(Math.max(1, Math.floor(availableParallelism() / workers))),
        [ENV.peers]: peers.join(','),
        [ENV.spec]: specPath,
        [ENV.run]: run,
      };
      const child = spawner(process.execPath, [...workerNodeFlags(env, spec.collective.shared_memory === 'off'), options.workerMain], env, cwd);
      children.push(child);
      if (child.stdout) {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const report = parseWorkerReport(line);
          if (!report) return options.onLog(rank, line);
          if (report.type === 'failed') lastError[rank] = `${report.error}: ${report.message}`;
          options.onReport(report, rank);
        });
      }
      if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => options.onLog(rank, line));
      child.on('exit', (code, signal) => {
        exits[rank] = code ?? signal ?? 'unknown';
        if (code !== 0 && failure === undefined && stopping < 2) {
          failure = { rank, message: lastError[rank] || `worker exited with ${code === null ? `signal ${signal}` : `code ${code}`}` };
          failOthers();
        }
        if (exits.every((e) => e !== undefined)) {
          if (killTimer) clearTimeout(killTimer);
          rmSync(socketDir, { recursive: true, force: true });
          const final = exits as (number | string)[];
          resolveDone({ ok: failure === undefined && final.every((e) => e === 0), exits: final, ...(failure ? { failure } : {}) });
        }
      });
    }
  });

  return {
    done,
    stop() {
      stopping++;
      killAll(stopping === 1 ? 'SIGTERM' : 'SIGKILL');
    },
  };
}
