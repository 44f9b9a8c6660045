import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV, readWorkerSetup, type AgentMessage, type ExperimentSpec } from '@orquesta/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSpecText } from '@orquesta/spec';
import { FakeProcess } from '@orquesta/launch';
import { startEmbeddedRun, type EmbeddedRunOptions } from './embedded-run.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function spec(extra: Record<string, unknown> = {}): ExperimentSpec {
  const dir = mkdtempSync(join(tmpdir(), 'orquesta-embedded-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'corpus.txt'), 'to be or not to be\n');
  const text = JSON.stringify({
    name: 'e',
    task: 'language-model',
    data: { train: join(dir, 'corpus.txt') },
    resources: { workers: 2 },
    checkpoint: { dir: join(dir, 'run') },
    ...extra,
  });
  const loaded = parseSpecText(text, 'e.json', { baseDir: dir });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.spec;
}

/** Runs `spec` with fake workers; `behave` decides what each started process does. */
function run(s: ExperimentSpec, behave: (p: FakeProcess, started: number) => void, extra: Partial<EmbeddedRunOptions> = {}) {
  const processes: FakeProcess[] = [];
  const messages: AgentMessage[] = [];
  const events: string[] = [];
  const embedded = startEmbeddedRun({
    spec: s,
    source: 'e.yaml',
    workerMain: '/w/main.js',
    cwd: '/work',
    baseEnv: {},
    cores: 2,
    tickMs: 5,
    onMessage: (m) => messages.push(m),
    onEvent: (e) => events.push(e.message),
    spawner: (_command, _args, env, cwd) => {
      const p = new FakeProcess(env, cwd);
      const started = processes.push(p);
      setImmediate(() => behave(p, started));
      return p.asChild();
    },
    ...extra,
  });
  return { embedded, processes, messages, events };
}

/** A worker that trains to max_steps: rank 0 reports done, every rank exits 0. */
const finishes = (p: FakeProcess) => {
  if (p.env[ENV.rank] === '0') p.report({ v: 1, type: 'done', step: 10, reason: 'max_steps' });
  p.exit(0);
};

describe('startEmbeddedRun', () => {
  it('runs the gang through the in-process agent over ipc endpoints, checkpointing where the spec says', async () => {
    const s = spec();
    const { embedded, processes, messages } = run(s, finishes);
    const result = await embedded.done;
    expect(result).toMatchObject({ state: 'succeeded', restarts: 0, failures: [] });
    const setups = processes.map((p) => readWorkerSetup(p.env));
    expect(setups.map((x) => [x.rank, x.worldSize, x.localWorldSize, x.blasThreads])).toEqual([
      [0, 2, 2, 1],
      [1, 2, 2, 1],
    ]);
    expect(setups[0]!.peers.every((peer) => peer.startsWith('ipc://'))).toBe(true);
    expect(messages.filter((m) => m.type === 'worker-exited')).toHaveLength(2);
    expect(messages.some((m) => m.type === 'worker-report' && m.report.type === 'done')).toBe(true);
  });

  it('restarts every rank after one dies, up to max_restarts, and then succeeds', async () => {
    const s = spec({ fault_tolerance: { max_restarts: 2 } });
    // First attempt: rank 1 is killed; rank 0 then dies of the lost peer (killed by the coordinator's stop).
    const { embedded, processes, events } = run(s, (p, n) => {
      if (n === 2) p.kill('SIGKILL');
      else if (n > 2) finishes(p);
    });
    const result = await embedded.done;
    expect(result).toMatchObject({ state: 'succeeded', restarts: 1, failures: ['rank 1 exited with signal SIGKILL'] });
    expect(processes).toHaveLength(4);
    expect(processes[0]!.signals).toContain('SIGKILL');
    expect(events.some((e) => /restarting -> queued: restart 1 of 2/.test(e))).toBe(true);
  });

  it('fails naming the rank once the restarts are spent', async () => {
    const s = spec({ fault_tolerance: { max_restarts: 1 } });
    const { embedded, processes } = run(s, (p) => {
      if (p.env[ENV.rank] === '0') {
        p.report({ v: 1, type: 'failed', rank: 0, error: 'DataError', message: 'bad corpus' });
        p.exit(1);
      }
    });
    const result = await embedded.done;
    expect(result.state).toBe('failed');
    expect(result.restarts).toBe(1);
    expect(result.cause).toMatch(/gave up after 1 restart/);
    expect(result.failures).toEqual(['rank 0 exited with code 1 (DataError: bad corpus)', 'rank 0 exited with code 1 (DataError: bad corpus)']);
    expect(processes).toHaveLength(4);
  });

  it('stops with a checkpoint on the first stop() and kills on the second', async () => {
    const s = spec();
    const started: FakeProcess[] = [];
    const { embedded } = run(s, (p) => started.push(p));
    while (started.length < 2) await new Promise((r) => setTimeout(r, 5));
    embedded.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(started.map((p) => p.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    // Rank 0 stops with a checkpoint; rank 1 hangs until the second stop kills it.
    started[0]!.report({ v: 1, type: 'done', step: 3, reason: 'stopped' });
    started[0]!.exit(0);
    embedded.stop();
    const result = await embedded.done;
    expect(result.state).toBe('paused');
    expect(started[1]!.signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('answers a spec the coordinator refuses with a failed result, starting nothing', async () => {
    const s = spec();
    const { embedded, processes } = run({ ...s, data: { ...s.data, train: '/nonexistent/corpus.tsv' } }, finishes);
    const result = await embedded.done;
    expect(result.state).toBe('failed');
    expect(result.cause).toMatch(/the coordinator refused the spec: data.train/);
    expect(processes).toHaveLength(0);
  });
});
