import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { reportComputeWindows } from '../testing/compute-windows.js';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { spec } from '../testing/spec-text.js';
import type { FakeProcess } from '@orquesta/launch';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

let cluster: InMemoryCluster;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newCluster(file = ':memory:', options = {}): InMemoryCluster {
  cluster = new InMemoryCluster(file, { baseDir: ROOT, ...options });
  return cluster;
}

async function submit(text: string): Promise<{ id: number; trials: number[] }> {
  const result = cluster.coordinator.submit(text, 'test.yaml');
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('; '));
  await cluster.settle();
  return result;
}

/** Rank 0 reports like a worker that trains to `step`, checkpoints, and (with `finish`) completes. */
async function train(procs: FakeProcess[], step: number, finish: boolean): Promise<void> {
  const [lead] = procs;
  lead?.report({
    v: 1,
    type: 'progress',
    step,
    maxSteps: 100,
    loss: 2.5,
    lr: 1e-3,
    gradNorm: 1,
    tokensPerSecond: 900,
    seconds: { data: 0, compute: 1, allReduce: 0.1, optimizer: 0.01 },
  });
  lead?.report({ v: 1, type: 'checkpoint', step, path: `runs/test/step-${step}` });
  if (finish) {
    lead?.report({ v: 1, type: 'done', step, reason: 'max_steps' });
    for (const p of procs) p.exit(0);
  }
  await cluster.settle();
}

const states = (experimentId: number) => cluster.store.trials(experimentId).map((t) => t.state);
const events = (experimentId: number) => cluster.store.events(experimentId).map((e) => e.message);

describe('coordinator', () => {
  it('places a gang on an agent, hands every rank its contract, and records success', async () => {
    newCluster();
    cluster.addAgent('node-a', 2);
    await cluster.settle();
    const { id, trials } = await submit(spec());
    const procs = cluster.live(trials[0]!);
    expect(procs.map((p) => [p.env['RANK'], p.env['WORLD_SIZE'], p.env['LOCAL_RANK'], p.env['ORQUESTA_PEERS'], p.env['ORQUESTA_BLAS_THREADS']])).toEqual([
      ['0', '2', '0', 'tcp://node-a.test:29500,tcp://node-a.test:29501', '1'],
      ['1', '2', '1', 'tcp://node-a.test:29500,tcp://node-a.test:29501', '1'],
    ]);
    expect(procs[0]!.cwd).toBe('/work');
    expect(states(id)).toEqual(['scheduled']);
    await train(procs, 50, false);
    expect(states(id)).toEqual(['running']);
    await train(procs, 100, true);
    expect(states(id)).toEqual(['succeeded']);
    expect(cluster.store.experiment(id).state).toBe('succeeded');
    const trial = cluster.store.trial(trials[0]!);
    expect(trial).toMatchObject({ lastStep: 100, lastCheckpoint: 'runs/test/step-100', trainLoss: 2.5, checkpointDir: `runs/test/exp-${id}` });
    expect(JSON.parse(trial.specJson).checkpoint.dir).toBe(`runs/test/exp-${id}`);
    expect(events(id).filter((m) => m.includes('->'))).toEqual([
      'trial 0: queued -> scheduled: placed on node-a',
      'trial 0: scheduled -> running: rank 0 reported progress',
      'trial 0: running -> succeeded: finished at step 100',
    ]);
  });

  it('passes worker log lines into the store', async () => {
    newCluster();
    cluster.addAgent('node-a', 2);
    const { id, trials } = await submit(spec());
    cluster.live(trials[0]!)[1]!.stderr.write('loading data\n');
    await cluster.settle();
    expect(cluster.store.logs(id).map((l) => [l.rank, l.line])).toEqual([[1, 'loading data']]);
  });

  it('restarts from the last checkpoint after a worker is killed, then gives up after max_restarts', async () => {
    newCluster();
    cluster.addAgent('node-a', 2);
    const { id, trials } = await submit(spec({ maxRestarts: 1 }));
    let procs = cluster.live(trials[0]!);
    await train(procs, 50, false);
    procs[1]!.exit(null, 'SIGKILL');
    await cluster.settle();
    // The survivor is killed, the trial requeued and placed again as attempt 2.
    expect(procs[0]!.signals).toEqual(['SIGKILL']);
    const trial = cluster.store.trial(trials[0]!);
    expect(trial).toMatchObject({ state: 'scheduled', attempt: 2, restarts: 1 });
    expect(events(id)).toContain('trial 0: restarting -> queued: restart 1 of 1 from runs/test/step-50');
    procs = cluster.live(trials[0]!);
    expect(procs).toHaveLength(2);
    procs[0]!.report({ v: 1, type: 'failed', rank: 0, error: 'CollectiveTimeoutError', message: 'allReduce #7 waits for rank 1' });
    procs[0]!.exit(1);
    await cluster.settle();
    expect(states(id)).toEqual(['failed']);
    expect(events(id).join('\n')).toMatch(/rank 0 exited with code 1 \(CollectiveTimeoutError: allReduce #7 waits for rank 1\)/);
    expect(events(id).at(-1)).toMatch(/gave up after 1 restart/);
  });

  it('declares a silent agent lost and restarts its trial on the capacity that is left', async () => {
    newCluster();
    cluster.addAgent('node-a', 2);
    const { id, trials } = await submit(spec());
    const first = cluster.live(trials[0]!);
    cluster.addAgent('node-b', 2);
    await cluster.settle();
    cluster.cut.add('node-a');
    await cluster.advance(3000);
    expect(states(id)).toEqual(['scheduled']);
    await cluster.advance(3000);
    expect(cluster.store.agents().find((a) => a.id === 'node-a')?.state).toBe('lost');
    const trial = cluster.store.trial(trials[0]!);
    expect(trial.attempt).toBe(2);
    expect(trial.placement?.workers.map((w) => w.agent)).toEqual(['node-b', 'node-b']);
    expect(cluster.store.events(null).some((e) => e.kind === 'agent-lost' && e.message.startsWith('agent node-a missed heartbeats'))).toBe(true);
    expect(first.every((p) => !p.exited)).toBe(true); // unreachable, so still running there
    // node-a comes back: it must re-register, and its orphaned workers of attempt 1 are killed.
    cluster.cut.delete('node-a');
    await cluster.advance(1000);
    await cluster.advance(1000);
    expect(cluster.store.agents().find((a) => a.id === 'node-a')?.state).toBe('alive');
    expect(first.every((p) => p.signals.includes('SIGKILL'))).toBe(true);
  });

  it('a draining agent: its workers checkpoint and stop, the trial is preempted (no restart counted) and placed elsewhere, never back there', async () => {
    newCluster();
    const a = cluster.addAgent('node-a', 2);
    const { id, trials } = await submit(spec({ maxRestarts: 0 }));
    const first = cluster.live(trials[0]!);
    await train(first, 30, false);
    cluster.addAgent('node-b', 2);
    await cluster.settle();
    a.drain();
    await cluster.settle();
    expect(first.map((p) => p.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    expect(cluster.store.events(null).some((e) => e.kind === 'agent-draining' && e.message.startsWith('agent node-a is draining'))).toBe(true);
    // The workers stop at the next step boundary with a checkpoint, as on SIGTERM.
    first[0]!.report({ v: 1, type: 'checkpoint', step: 31, path: 'runs/test/step-31' });
    first[0]!.report({ v: 1, type: 'done', step: 31, reason: 'stopped' });
    for (const p of first) p.exit(0);
    await cluster.settle();
    const trial = cluster.store.trial(trials[0]!);
    expect(trial).toMatchObject({ state: 'scheduled', attempt: 2, restarts: 0 });
    expect(trial.placement?.workers.map((w) => w.agent)).toEqual(['node-b', 'node-b']);
    expect(events(id)).toContain(
      'trial 0: running -> preempted: preempted: the workers stopped on a notice at checkpoint runs/test/step-31; not counted against fault_tolerance.max_restarts',
    );
    await train(cluster.live(trials[0]!), 100, true);
    expect(states(id)).toEqual(['succeeded']);
  });

  it('names a rank computing at half speed as a straggler within 30 s, with its node, once', async () => {
    newCluster();
    cluster.addAgent('node-a', 1);
    cluster.addAgent('node-b', 1);
    const { id, trials } = await submit(spec());
    const procs = cluster.live(trials[0]!);
    const slowFrom = 10_000;
    await reportComputeWindows(cluster, procs, (rank, t) => (rank === 1 && t >= slowFrom ? 10 : 5));
    const named = cluster.store.events(id).filter((e) => e.kind === 'straggler');
    expect(named).toHaveLength(1);
    const node = cluster.store.workers(`${trials[0]}.1`).find((w) => w.rank === 1)?.agent;
    expect(named[0]!.message).toMatch(new RegExp(`^trial 0 rank 1 on ${node} is a straggler: speed 0\\.\\d\\d of the fastest rank's`));
    expect(named[0]!.ts - (cluster.store.events(id)[0]!.ts + slowFrom)).toBeLessThanOrEqual(30_000);
  });

  it('runs an elastic trial on the capacity left after a node is lost, then grows back when it returns', async () => {
    newCluster();
    cluster.addAgent('node-a', 1);
    cluster.addAgent('node-b', 1);
    const { id, trials } = await submit(spec({ minWorkers: 1 }));
    const first = cluster.live(trials[0]!);
    expect(first.map((p) => p.env['WORLD_SIZE'])).toEqual(['2', '2']);
    await train(first, 50, false);
    cluster.cut.add('node-b');
    await cluster.advance(3000);
    await cluster.advance(3000); // node-b lost: the trial restarts
    await cluster.advance(5000); // queued over 10 s ago: it takes the one slot left
    const shrunk = cluster.store.trial(trials[0]!);
    expect(shrunk.placement?.workers.map((w) => w.agent)).toEqual(['node-a']);
    const one = cluster.live(trials[0]!);
    expect(one.map((p) => [p.env['RANK'], p.env['WORLD_SIZE']])).toEqual([['0', '1']]);
    expect(events(id).some((m) => /free slots hold 1 of its 2 workers; running elastic at that size \(min_workers 1\)/.test(m))).toBe(true);
    one[0]!.report({ v: 1, type: 'started', rank: 0, worldSize: 1, backend: 'wasm', parameters: 1, resumedFrom: 50, maxSteps: 100, dataSummary: [] });
    // node-b returns; after a minute at the small size the trial checkpoints and is placed whole again.
    cluster.cut.delete('node-b');
    await cluster.advance(1000);
    await cluster.advance(1000);
    expect(cluster.store.trial(trials[0]!).state).toBe('running');
    await cluster.advance(60_000);
    expect(cluster.store.trial(trials[0]!).state).toBe('checkpointing');
    expect(events(id).some((m) => m.includes('slots free for 2 of its 2 workers (running 1); checkpointing to grow'))).toBe(true);
    await train(one, 60, false);
    one[0]!.exit(0);
    await cluster.settle();
    await cluster.advance(500);
    const grown = cluster.store.trial(trials[0]!);
    expect(grown.placement?.workers.map((w) => w.agent).sort()).toEqual(['node-a', 'node-b']);
    expect(cluster.live(trials[0]!).map((p) => p.env['WORLD_SIZE'])).toEqual(['2', '2']);
  });

  it('preempts a lower-priority trial with a checkpoint, runs the urgent one, then resumes the first', async () => {
    newCluster();
    cluster.addAgent('node-a', 2);
    const low = await submit(spec({ name: 'low', priority: 10 }));
    const lowProcs = cluster.live(low.trials[0]!);
    await train(lowProcs, 50, false);
    const high = await submit(spec({ name: 'high', priority: 90 }));
    expect(states(low.id)).toEqual(['checkpointing']);
    expect(lowProcs.map((p) => p.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    expect(states(high.id)).toEqual(['queued']);
    lowProcs[0]!.report({ v: 1, type: 'checkpoint', step: 60, path: 'runs/test/step-60' });
    lowProcs[0]!.report({ v: 1, type: 'done', step: 60, reason: 'stopped' });
    for (const p of lowProcs) p.exit(0);
    await cluster.settle();
    expect(states(low.id)).toEqual(['preempted']);
    expect(states(high.id)).toEqual(['scheduled']);
    await train(cluster.live(high.trials[0]!), 100, true);
    expect(states(high.id)).toEqual(['succeeded']);
    expect(states(low.id)).toEqual(['scheduled']);
    expect(cluster.store.trial(low.trials[0]!).attempt).toBe(2);
    expect(events(low.id)).toContain('trial 0 preempted for trial 2');
  });

  it('pauses with a checkpoint, resumes into the queue, and cancels', async () => {
    newCluster();
    cluster.addAgent('node-a', 2);
    const { id, trials } = await submit(spec());
    const procs = cluster.live(trials[0]!);
    cluster.coordinator.pause(id);
    await cluster.settle();
    expect(states(id)).toEqual(['checkpointing']);
    for (const p of procs) p.exit(0);
    await cluster.settle();
    expect(states(id)).toEqual(['paused']);
    expect(() => cluster.coordinator.pause(id)).toThrow(/nothing to pause/);
    cluster.coordinator.resume(id);
    await cluster.settle();
    expect(states(id)).toEqual(['scheduled']);
    expect(() => cluster.coordinator.resume(id)).toThrow(/only paused experiments resume/);
    cluster.coordinator.cancel(id);
    await cluster.settle();
    for (const p of cluster.live(trials[0]!)) p.exit(0);
    await cluster.settle();
    expect(states(id)).toEqual(['cancelled']);
    expect(() => cluster.coordinator.cancel(id)).toThrow(/nothing to cancel/);
    expect(() => cluster.coordinator.cancel(99)).toThrow(/no experiment with id 99/);
  });

  it('kills workers that ignore a stop request after the grace period', async () => {
    newCluster(':memory:', { stopGraceMs: 10_000 });
    cluster.addAgent('node-a', 2);
    const { id, trials } = await submit(spec());
    const procs = cluster.live(trials[0]!);
    cluster.coordinator.cancel(id);
    await cluster.advance(5_000);
    expect(procs.map((p) => p.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    await cluster.advance(5_000);
    expect(procs.map((p) => p.signals)).toEqual([
      ['SIGTERM', 'SIGKILL'],
      ['SIGTERM', 'SIGKILL'],
    ]);
    expect(states(id)).toEqual(['cancelled']);
  });

  it('expands a grid search into one trial per point and queues what does not fit', async () => {
    newCluster();
    cluster.addAgent('node-a', 2);
    const { id, trials } = await submit(
      spec({ workers: 1, search: 'search: { kind: grid, parameters: { optimizer.lr: [1.0e-3, 3.0e-4], model.heads: [2, 4] } }' }),
    );
    expect(trials).toHaveLength(4);
    const rows = cluster.store.trials(id);
    expect(rows.map((t) => t.overrides)).toEqual([
      { 'model.heads': 2, 'optimizer.lr': 1e-3 },
      { 'model.heads': 2, 'optimizer.lr': 3e-4 },
      { 'model.heads': 4, 'optimizer.lr': 1e-3 },
      { 'model.heads': 4, 'optimizer.lr': 3e-4 },
    ]);
    expect(rows.map((t) => JSON.parse(t.specJson).optimizer.lr)).toEqual([1e-3, 3e-4, 1e-3, 3e-4]);
    expect(rows.map((t) => t.checkpointDir)).toEqual([0, 1, 2, 3].map((i) => `runs/test/exp-${id}/trial-${i}`));
    expect(states(id)).toEqual(['scheduled', 'scheduled', 'queued', 'queued']);
  });

  it('answers a bad spec with positioned problems and changes nothing', () => {
    newCluster();
    const result = cluster.coordinator.submit('name: x\ntask: translate\n', 'bad.yaml');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.some((p) => p.path === 'task' && p.line === 2)).toBe(true);
    expect(cluster.store.experimentCounts()).toEqual({});
  });

  it('rejects malformed control frames without crashing', async () => {
    newCluster();
    cluster.addAgent('node-a', 1);
    await cluster.settle();
    cluster.coordinator.receive('node-a', Buffer.from('{"v":1,"type":"worker-exited","run":"1.1"}'));
    cluster.coordinator.receive('node-a', Buffer.from([0xff, 0x00, 0x13]));
    cluster.coordinator.receive('node-a', Buffer.from('{"v":1,"type":"start-workers","run":"1.1","spec":"{}","workers":[]}'));
    expect(cluster.logs.filter((l) => l.startsWith('rejected a control frame'))).toHaveLength(3);
  });

  it('recovers after a coordinator restart: re-attaches running workers and loses nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-coord-'));
    dirs.push(dir);
    const file = join(dir, 'state.db');
    newCluster(file);
    cluster.addAgent('node-a', 2);
    const { id, trials } = await submit(spec());
    const procs = cluster.live(trials[0]!);
    await train(procs, 50, false);
    const queued = await submit(spec({ name: 'second' }));
    // The coordinator process dies; a new one opens the same file.
    const { Store } = await import('../store/store.js');
    const store2 = new Store(file, () => cluster.clock);
    const c2 = cluster.makeCoordinator(store2);
    expect(store2.experimentPage({ limit: 100, offset: 0 }).rows.map((e) => [e.id, e.state])).toEqual([
      [id, 'running'],
      [queued.id, 'queued'],
    ]);
    // Agents notice (heartbeat -> reregister -> hello with their running workers).
    await cluster.advance(1000);
    expect(store2.trial(trials[0]!)).toMatchObject({ state: 'running', attempt: 1 });
    expect(procs.every((p) => p.signals.length === 0)).toBe(true);
    await cluster.advance(15_000);
    expect(store2.trial(trials[0]!).attempt).toBe(1);
    procs[0]!.report({ v: 1, type: 'done', step: 100, reason: 'max_steps' });
    for (const p of procs) p.exit(0);
    await cluster.settle();
    expect(store2.trial(trials[0]!).state).toBe('succeeded');
    expect(store2.trials(queued.id).map((t) => t.state)).toEqual(['scheduled']);
    expect(store2.events(null).some((e) => e.kind === 'recover')).toBe(true);
    expect(c2).toBe(cluster.coordinator);
    store2.close();
  });

  it('restarts trials whose agent does not come back after a coordinator restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-coord-'));
    dirs.push(dir);
    const file = join(dir, 'state.db');
    newCluster(file);
    cluster.addAgent('node-a', 2);
    const { trials } = await submit(spec());
    const { Store } = await import('../store/store.js');
    const store2 = new Store(file, () => cluster.clock);
    cluster.makeCoordinator(store2);
    cluster.cut.add('node-a');
    cluster.addAgent('node-b', 2);
    await cluster.advance(10_000);
    expect(store2.trial(trials[0]!).attempt).toBe(1);
    await cluster.advance(6_000);
    const trial = store2.trial(trials[0]!);
    expect(trial).toMatchObject({ state: 'scheduled', attempt: 2, restarts: 1 });
    expect(trial.placement?.workers.every((w) => w.agent === 'node-b')).toBe(true);
    store2.close();
  });
  it('rehearses failures on request and records each as an event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-chaos-'));
    dirs.push(dir);
    for (const f of ['train.tsv', 'valid.tsv']) writeFileSync(join(dir, f), 'hola\thello\n');
    newCluster(':memory:', { baseDir: dir });
    cluster.addAgent('node-a', 2);
    const { id, trials } = await submit(spec().replace('data/spa-eng/train.tsv.gz', 'train.tsv').replace('data/spa-eng/valid.tsv.gz', 'valid.tsv'));
    let procs = cluster.live(trials[0]!);
    await train(procs, 50, false);
    expect(cluster.coordinator.chaos(id, 'stall-worker', { rank: 1, seconds: 5 })).toBe('stall-worker on rank 1 at node-a for 5 s');
    await cluster.settle();
    expect(procs[1]!.signals).toEqual(['SIGSTOP']);
    cluster.coordinator.chaos(id, 'kill-worker', { rank: 0 });
    await cluster.settle();
    expect(cluster.store.trial(trials[0]!)).toMatchObject({ attempt: 2, restarts: 1 });
    procs = cluster.live(trials[0]!);
    const checkpoint = join(dir, 'runs/test/step-50');
    mkdirSync(checkpoint, { recursive: true });
    writeFileSync(join(checkpoint, 'model.safetensors'), Buffer.alloc(1000));
    expect(cluster.coordinator.chaos(id, 'corrupt-checkpoint')).toMatch(/truncated .*model\.safetensors from 1000 to 500 bytes/);
    cluster.coordinator.chaos(id, 'kill-agent', { node: 'node-a' });
    await cluster.settle();
    await cluster.advance(6000);
    expect(cluster.store.agents()[0]?.state).toBe('lost');
    expect(events(id).filter((m) => m.includes(': chaos '))).toHaveLength(4);
    expect(() => cluster.coordinator.chaos(id, 'kill-worker', { rank: 7 })).toThrow(/no running trial|no worker of rank 7/);
  });
  it('with a control token, registers only agents that present it and ignores the rest', async () => {
    newCluster(':memory:', { controlToken: 'a1'.repeat(32) });
    cluster.addAgent('intruder', 4);
    await cluster.advance(1000);
    expect(cluster.store.agents()).toEqual([]);
    expect(cluster.logs.some((l) => l.startsWith('refused hello from "intruder": no token'))).toBe(true);
    cluster.coordinator.receive('intruder', Buffer.from(JSON.stringify({ v: 1, type: 'worker-exited', run: '1.1', rank: 0, code: 1, signal: null })));
    expect(cluster.logs.some((l) => l.startsWith('ignored worker-exited from "intruder"'))).toBe(true);
    cluster.addAgent('node-a', 2, [], 'a1'.repeat(32));
    await cluster.settle();
    expect(cluster.store.agents().map((a) => a.id)).toEqual(['node-a']);
  });
  it('hands out per-run CURVE keys when a gang spans hosts, and none on one host', async () => {
    newCluster();
    cluster.addAgent('node-a', 1);
    cluster.addAgent('node-b', 1);
    const spread = await submit(spec());
    const env = cluster.live(spread.trials[0]!).map((p) => p.env);
    const keys = env[0]!['ORQUESTA_CURVE_PUBLIC_KEYS']!.split(',');
    expect(keys).toHaveLength(2);
    expect(env[1]!['ORQUESTA_CURVE_PUBLIC_KEYS']).toBe(env[0]!['ORQUESTA_CURVE_PUBLIC_KEYS']);
    expect(env.map((e) => e['ORQUESTA_CURVE_SECRET_KEY']?.length)).toEqual([40, 40]);
    expect(env[0]!['ORQUESTA_CURVE_SECRET_KEY']).not.toBe(env[1]!['ORQUESTA_CURVE_SECRET_KEY']);
    newCluster();
    cluster.addAgent('node-c', 2);
    const local = await submit(spec());
    expect(cluster.live(local.trials[0]!).map((p) => p.env['ORQUESTA_CURVE_PUBLIC_KEYS'])).toEqual([undefined, undefined]);
  });
});
