import { ENV, type CoordinatorMessage, type WorkerSetup } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import type { LaunchedWorker, WorkerExit } from '../worker/launch-worker.js';
import { SlurmTaskWorker } from './slurm-task-worker.js';

const setup: WorkerSetup = {
  rank: 1,
  worldSize: 2,
  localRank: 0,
  localWorldSize: 1,
  peers: ['tcp://a:1', 'tcp://b:1'],
  run: '3.1',
  specPath: '/s/spec.json',
};

/** A task whose workers and timers the test drives. */
function task(peerRecovery: boolean) {
  const started: { setup: WorkerSetup; onExit: (e: WorkerExit) => void; signals: string[]; sent: unknown[] }[] = [];
  const timers: { ms: number; run: () => void; cancelled: boolean }[] = [];
  const exits: WorkerExit[] = [];
  const chaos: string[] = [];
  const statuses: number[] = [];
  const t = new SlurmTaskWorker({
    setup: { ...setup, ...(peerRecovery ? { peerRecovery } : {}) },
    launch: (s, onExit) => {
      const w = { setup: s, onExit, signals: [] as string[], sent: [] as unknown[] };
      started.push(w);
      const worker: LaunchedWorker = { pid: 100 + started.length, signal: (sig) => w.signals.push(sig), stop: () => {}, send: (m) => w.sent.push(m) };
      return worker;
    },
    exited: (e) => exits.push(e),
    waitMs: 60_000,
    after: (ms, run) => {
      const timer = { ms, run, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
    chaos: { exit: (code) => chaos.push(`exit ${code}`), partition: (s) => chaos.push(`partition ${s}`), log: () => {} },
    log: () => {},
  });
  void t.done.then((s) => statuses.push(s));
  const exit = (i: number, code: number | null, signal: string | null = null) =>
    started[i]!.onExit({ rank: 1, code, signal, ok: code === 0, description: `rank 1 exited with ${code ?? signal}` });
  const settle = () => new Promise((r) => setImmediate(r));
  return { t, started, timers, exits, chaos, statuses, exit, settle };
}

const start = (generation: number, rank = 1): CoordinatorMessage => ({
  v: 1,
  type: 'start-workers',
  run: '3.1',
  spec: '{}',
  workers: [{ rank, env: { [ENV.recovery]: 'peer', [ENV.replacement]: String(generation) } }],
});

describe('SlurmTaskWorker', () => {
  it('without peer recovery, ends with its worker: the failure status goes to srun', async () => {
    const k = task(false);
    k.exit(0, 0);
    await k.settle();
    expect(k.statuses).toEqual([0]);
    const f = task(false);
    f.exit(0, null, 'SIGKILL');
    await f.settle();
    expect(f.statuses).toEqual([143]);
    expect(f.exits).toHaveLength(1);
  });

  it('with peer recovery, a failed worker waits for the coordinator and is replaced in this task, joining the next group', async () => {
    const k = task(true);
    k.exit(0, null, 'SIGKILL');
    await k.settle();
    expect(k.statuses).toEqual([]);
    expect(k.exits.map((e) => e.signal)).toEqual(['SIGKILL']);
    expect(k.timers[0]?.ms).toBe(60_000);
    k.t.order(start(1, 0)); // another rank's replacement: not this task's
    expect(k.started).toHaveLength(1);
    k.t.order(start(1));
    expect(k.timers[0]?.cancelled).toBe(true);
    expect(k.started).toHaveLength(2);
    expect(k.started[1]?.setup).toEqual({ ...setup, peerRecovery: true, joinGeneration: 1 });
    k.t.order({ v: 1, type: 'regroup-workers', run: '3.1', generation: 1, phase: 'join' });
    expect(k.started[1]?.sent).toEqual([{ v: 1, type: 'regroup', generation: 1, phase: 'join' }]);
    // A second loss, replaced again; then the run finishes.
    k.exit(1, 1);
    k.t.order(start(2));
    expect(k.started[2]?.setup.joinGeneration).toBe(2);
    k.exit(2, 0);
    await k.settle();
    expect(k.statuses).toEqual([0]);
  });

  it('a waiting task ends with the failure status when told to stop, or when no replacement comes in time', async () => {
    const told = task(true);
    told.exit(0, 3);
    told.t.order({ v: 1, type: 'stop-workers', run: '3.1', mode: 'kill', rank: 1 });
    await told.settle();
    expect(told.statuses).toEqual([3]);
    expect(told.timers[0]?.cancelled).toBe(true);
    const late = task(true);
    late.exit(0, null, 'SIGKILL');
    late.timers[0]?.run();
    late.t.order(start(1)); // too late: the task has ended
    await late.settle();
    expect(late.statuses).toEqual([143]);
    expect(late.started).toHaveLength(1);
  });

  it('a worker told to stop (SIGTERM, a stop order) ends the task with its exit, without waiting', async () => {
    const k = task(true);
    k.t.stop('SIGTERM');
    expect(k.started[0]?.signals).toEqual(['SIGTERM']);
    k.exit(0, 1);
    await k.settle();
    expect(k.statuses).toEqual([1]);
    expect(k.timers).toHaveLength(0);
  });

  it('passes orders for its run and rank only; chaos acts on its worker or its process', () => {
    const k = task(true);
    k.t.order({ v: 1, type: 'regroup-workers', run: '9.1', generation: 1, phase: 'leave' });
    k.t.order({ v: 1, type: 'stop-workers', run: '3.1', mode: 'kill', rank: 0 });
    expect(k.started[0]?.sent).toEqual([]);
    expect(k.started[0]?.signals).toEqual([]);
    k.t.order({ v: 1, type: 'chaos', action: 'kill-worker', run: '3.1', rank: 1, seconds: 0 });
    k.t.order({ v: 1, type: 'chaos', action: 'kill-agent', run: '3.1', rank: 1, seconds: 0 });
    k.t.order({ v: 1, type: 'chaos', action: 'partition', run: '3.1', rank: 0, seconds: 5 });
    expect(k.started[0]?.signals).toEqual(['SIGKILL']);
    expect(k.chaos).toEqual(['exit 137']);
  });

  it('a start order without a valid generation is refused; the task keeps waiting', () => {
    const k = task(true);
    k.exit(0, 1);
    k.t.order({ v: 1, type: 'start-workers', run: '3.1', spec: '{}', workers: [{ rank: 1, env: {} }] });
    expect(k.started).toHaveLength(1);
    expect(k.timers[0]?.cancelled).toBe(false);
  });
});
