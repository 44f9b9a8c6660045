import { ENV, RECOMMENDED_RANK_NODE_FLAGS, readWorkerSetup, type WorkerReport, type WorkerSetup } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import { FakeProcess } from '../testing/fake-process.js';
import { launchWorker, type WorkerExit } from './launch-worker.js';
import type { Spawner } from './spawner.js';

const setup: WorkerSetup = {
  rank: 3,
  worldSize: 4,
  localRank: 1,
  localWorldSize: 2,
  peers: ['tcp://a:1', 'tcp://a:2', 'tcp://b:1', 'tcp://b:2'],
  run: 'r1',
  specPath: '/s/spec.json',
  blasThreads: 2,
};

/** Launches one worker with a spawner that records its command line and environment. */
function launch(sockets: boolean, baseEnv: NodeJS.ProcessEnv = {}) {
  const calls: { command: string; args: readonly string[]; env: NodeJS.ProcessEnv; cwd: string }[] = [];
  let child: FakeProcess | undefined;
  const spawner: Spawner = (command, args, env, cwd) => {
    calls.push({ command, args, env, cwd });
    child = new FakeProcess(env, cwd);
    return child.asChild();
  };
  const reports: WorkerReport[] = [];
  const logs: string[] = [];
  const exits: WorkerExit[] = [];
  const worker = launchWorker({
    setup,
    baseEnv,
    workerMain: '/opt/worker.js',
    cwd: '/tmp',
    spawner,
    sockets,
    onReport: (r) => reports.push(r),
    onLog: (l) => logs.push(l),
    onExit: (e) => exits.push(e),
  });
  return { calls, reports, logs, exits, worker, child: child! };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('launchWorker', () => {
  it('gives workers whose peers are on other hosts the recommended node flags before the script', () => {
    expect(launch(true).calls.map(({ command, args }) => ({ command, args }))).toEqual([
      { command: process.execPath, args: [...RECOMMENDED_RANK_NODE_FLAGS, '/opt/worker.js'] },
    ]);
  });

  it('gives workers that share the host none, and ORQUESTA_RANK_NODE_FLAGS wins', () => {
    expect(launch(false).calls[0]?.args).toEqual(['/opt/worker.js']);
    expect(launch(true, { ORQUESTA_RANK_NODE_FLAGS: '--max-old-space-size=8192' }).calls[0]?.args).toEqual(['--max-old-space-size=8192', '/opt/worker.js']);
  });

  it('puts the rank contract over whatever the launcher environment holds, keeping the rest', () => {
    const { env, cwd } = launch(false, { [ENV.rank]: '0', [ENV.peers]: 'tcp://stale:1', HOME: '/home/u' }).calls[0]!;
    expect(readWorkerSetup(env)).toEqual(setup);
    expect(env['HOME']).toBe('/home/u');
    expect(cwd).toBe('/tmp');
  });

  it('passes reports and log lines on, and classifies the exit with the worker own last error', async () => {
    const { child, reports, logs, exits } = launch(false);
    child.stdout.write('plain line\n');
    child.report({ v: 1, type: 'failed', rank: 3, error: 'PeerLostError', message: 'rank 0 is gone' });
    child.stderr.write('a warning\n');
    child.exit(1);
    await settle();
    expect(reports).toEqual([{ v: 1, type: 'failed', rank: 3, error: 'PeerLostError', message: 'rank 0 is gone' }]);
    expect(logs.sort()).toEqual(['a warning', 'plain line']);
    expect(exits).toEqual([{ rank: 3, code: 1, signal: null, ok: false, description: 'rank 3 exited with code 1 (PeerLostError: rank 0 is gone)' }]);
  });

  it('stops with SIGTERM, then SIGKILL after the grace period, and signals nothing once exited', async () => {
    const { child, worker, exits } = launch(false);
    worker.stop(10);
    expect(child.signals).toEqual(['SIGTERM']);
    await settle();
    expect(child.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(exits).toMatchObject([{ ok: false, signal: 'SIGKILL', description: 'rank 3 exited with signal SIGKILL' }]);
    worker.signal('SIGTERM');
    expect(child.signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('reports the exit even when a pipe stays open', async () => {
    const { child, exits } = launch(false);
    (child as unknown as { emit(e: string, ...a: unknown[]): void }).emit('exit', 0, null);
    expect(exits).toEqual([]);
    await new Promise((r) => setTimeout(r, 2100));
    expect(exits).toMatchObject([{ ok: true, code: 0 }]);
  });
});
