/**
 * Starts one worker process and relays it to the coordinator: report lines as worker-report
 * messages, other output as worker-log, its end as worker-exited. Used by node agents and by Slurm
 * tasks.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseWorkerReport } from '@orquesta/protocol';
import type { Spawner } from '../launch/local-job.js';
import { workerNodeFlags } from '../launch/worker-node-flags.js';
import type { AgentConnection } from './agent-connection.js';

export interface WorkerLaunchOptions {
  readonly run: string;
  readonly rank: number;
  readonly env: NodeJS.ProcessEnv;
  readonly workerMain: string;
  readonly cwd: string;
  readonly connection: AgentConnection;
  readonly spawner?: Spawner;
  /** True when some of the run's ranks run on other hosts (the data plane is sockets): the worker gets RECOMMENDED_RANK_NODE_FLAGS. */
  readonly sockets: boolean;
  /** Called once the process has exited and its exit was sent. */
  readonly onExit?: (code: number | null, signal: string | null) => void;
}

// The 'ipc' channel lets the worker notice that its launcher died (it then exits).
export const defaultWorkerSpawner: Spawner = (command, args, env, cwd) => nodeSpawn(command, [...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });

/** @throws {Error} the process cannot be spawned (the caller reports it). */
export function launchWorker(options: WorkerLaunchOptions): ChildProcess {
  const { run, rank, connection } = options;
  const child = (options.spawner ?? defaultWorkerSpawner)(process.execPath, [...workerNodeFlags(options.env, options.sockets), options.workerMain], options.env, options.cwd);
  const log = (line: string) => connection.send({ v: 1, type: 'worker-log', run, rank, lines: [line] });
  if (child.stdout)
    createInterface({ input: child.stdout }).on('line', (line) => {
      const report = parseWorkerReport(line);
      if (report) connection.send({ v: 1, type: 'worker-report', run, rank, report });
      else log(line);
    });
  if (child.stderr) createInterface({ input: child.stderr }).on('line', log);
  child.on('error', (error) => log(`worker process error: ${error.message}`));
  child.on('exit', (code, signal) => {
    connection.send({ v: 1, type: 'worker-exited', run, rank, code, signal });
    options.onExit?.(code, signal);
  });
  return child;
}
