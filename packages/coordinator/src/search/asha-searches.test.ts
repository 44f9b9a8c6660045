import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeProcess } from '@orquesta/launch';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { spec } from '../testing/spec-text.js';
import { Store } from '../store/store.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Four trials of one worker; rungs at steps 25 and 50 (eta 2), trials end at 100.
const ASHA = spec({
  workers: 1,
  search: 'search: { kind: asha, sampler: grid, reduction_factor: 2, min_steps: 25, parameters: { optimizer.lr: [1.0e-4, 2.0e-4, 3.0e-4, 4.0e-4] } }',
}).replace('max_steps: 100 }', 'max_steps: 100, eval_every_steps: 25 }');

function evaluate(cluster: InMemoryCluster, trialId: number, step: number, loss: number): FakeProcess {
  const [worker] = cluster.live(trialId);
  if (!worker) throw new Error(`trial ${trialId} runs no worker`);
  worker.report({ v: 1, type: 'evaluation', step, loss, perplexity: Math.exp(loss), tokens: 1000 });
  return worker;
}

/** The worker checkpoints on the stop request and exits, as a real one does. */
function stopAtCheckpoint(worker: FakeProcess, step: number): void {
  worker.report({ v: 1, type: 'checkpoint', step, path: `runs/test/step-${step}` });
  worker.report({ v: 1, type: 'done', step, reason: 'stopped' });
  worker.exit(0);
}

describe('ASHA search under the coordinator', () => {
  it('stops the losers of each rung at a checkpoint, fills the freed slot at once, survives a restart, and lets a user resume a stopped trial', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-asha-'));
    dirs.push(dir);
    const file = join(dir, 'state.db');
    let cluster = new InMemoryCluster(file, { baseDir: ROOT });
    cluster.addAgent('node-a', 2);
    const submitted = cluster.coordinator.submit(ASHA, 'asha.yaml');
    if (!submitted.ok) throw new Error(submitted.problems.map((p) => p.message).join('; '));
    await cluster.settle();
    const { id } = submitted;
    const [a, b, c, d] = submitted.trials as [number, number, number, number];
    const state = (trial: number) => cluster.store.trial(trial).state;
    expect([a, b, c, d].map(state)).toEqual(['scheduled', 'scheduled', 'queued', 'queued']);
    expect(JSON.parse(cluster.store.trial(a).specJson).training.max_steps).toBe(100);

    evaluate(cluster, a, 25, 3.0); // first at rung 1: goes on
    await cluster.settle();
    const loser = evaluate(cluster, b, 25, 3.5); // 2nd of 2, keep max(1, floor(2/2)) = 1: stop
    await cluster.settle();
    expect(state(b)).toBe('checkpointing');
    expect(loser.signals).toEqual(['SIGTERM']); // checkpoint and stop
    stopAtCheckpoint(loser, 27);
    await cluster.settle();
    expect(state(b)).toBe('stopped');
    expect(cluster.store.trial(b).lastCheckpoint).toBe('runs/test/step-27');
    // The slot it freed goes to the next queued trial without waiting for the rung to fill.
    expect(state(c)).toBe('scheduled');
    const messages = () => cluster.store.events(id).map((e) => e.message);
    expect(messages()).toContain('trial 0 goes on: validation loss 3.0000 at step 25 ranks 1 of 1 at rung 1 of 2 (step 25); the best 1 go on');
    expect(messages()).toContain('trial 1: checkpointing -> stopped: stopped at checkpoint runs/test/step-27');
    expect(messages().some((m) => m.includes('running -> checkpointing: stopped by ASHA: validation loss 3.5000 at step 25 ranks 2 of 2'))).toBe(true);

    // The coordinator dies and a new one opens the same file: the rung's results are still there.
    const store2 = new Store(file, () => cluster.clock);
    cluster.makeCoordinator(store2);
    await cluster.advance(1000);
    await cluster.advance(15_000); // the grace period for agents to report their workers again
    evaluate(cluster, c, 25, 3.2); // 2nd of 3 (3.0 is better), keep 1: stop
    await cluster.settle();
    expect(store2.trial(c).state).toBe('checkpointing');
    expect(store2.events(id).at(-1)?.message).toMatch(/validation loss 3\.2000 at step 25 ranks 2 of 3 at rung 1 of 2/);
    stopAtCheckpoint(cluster.live(c)[0]!, 25);
    await cluster.settle();
    evaluate(cluster, d, 25, 2.0); // best of 4, keep 2: goes on
    evaluate(cluster, a, 50, 2.5); // first at rung 2
    await cluster.settle();
    expect([a, b, c, d].map((t) => store2.trial(t).state)).toEqual(['running', 'stopped', 'stopped', 'running']);
    expect(store2.search.rungResults(id).map((r) => [r.trialId, r.rung, r.verdict])).toEqual([
      [a, 0, 'continue'],
      [b, 0, 'stop'],
      [c, 0, 'stop'],
      [d, 0, 'continue'],
      [a, 1, 'continue'],
    ]);

    // A user resumes trial 1 by hand: it runs to the end; ASHA does not stop it again.
    expect(() => cluster.coordinator.resume(id)).toThrow(/only paused experiments resume \(a search stopped trial\(s\) 1, 2: resume one with --trial N\)/);
    expect(() => cluster.coordinator.resume(id, { trial: 0 })).toThrow(/trial 0 of experiment \d+ is running; only paused and stopped trials resume/);
    cluster.coordinator.resume(id, { trial: 1 });
    await cluster.settle();
    expect(store2.trial(b).state).toBe('queued');
    for (const t of [a, d]) {
      const [w] = cluster.live(t);
      w!.report({ v: 1, type: 'done', step: 100, reason: 'max_steps' });
      w!.exit(0);
    }
    await cluster.settle();
    expect(store2.trial(b).state).toBe('scheduled');
    evaluate(cluster, b, 50, 9.9); // would be last at rung 2
    await cluster.settle();
    expect(store2.trial(b).state).toBe('running');
    const [w] = cluster.live(b);
    w!.report({ v: 1, type: 'done', step: 100, reason: 'max_steps' });
    w!.exit(0);
    await cluster.settle();
    expect([a, b, c, d].map((t) => store2.trial(t).state)).toEqual(['succeeded', 'succeeded', 'stopped', 'succeeded']);
    expect(store2.experiment(id).state).toBe('succeeded');
    store2.close();
    cluster = undefined as unknown as InMemoryCluster;
  });
});
