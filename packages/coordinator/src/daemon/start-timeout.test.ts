import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { spec } from '../testing/spec-text.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

describe('start timeout', () => {
  it('waits for workers whose processes run but have not reported yet (loading data), however long', async () => {
    const cluster = new InMemoryCluster(':memory:', { baseDir: ROOT, startTimeoutMs: 10_000 });
    cluster.addAgent('node-a', 2);
    await cluster.settle();
    const submitted = cluster.coordinator.submit(spec(), 'test.yaml');
    if (!submitted.ok) throw new Error('spec refused');
    await cluster.settle();
    const [trialId] = submitted.trials as [number];
    for (let s = 0; s < 6; s++) await cluster.advance(5_000);
    expect(cluster.store.trial(trialId).state).toBe('scheduled');
    expect(cluster.live(trialId)).toHaveLength(2);
  });

  it('restarts a trial whose processes never came up', async () => {
    const cluster = new InMemoryCluster(':memory:', { baseDir: ROOT, startTimeoutMs: 10_000 });
    cluster.addAgent('node-a', 2);
    await cluster.settle();
    // The agent gets start-workers but its process table stays empty (e.g. a node that cannot fork).
    cluster.agents.get('node-a')!.running = () => [];
    const submitted = cluster.coordinator.submit(spec(), 'test.yaml');
    if (!submitted.ok) throw new Error('spec refused');
    await cluster.settle();
    await cluster.advance(11_000);
    const messages = cluster.store.events(submitted.id).map((e) => e.message);
    expect(messages).toContain('trial 0: scheduled -> restarting: workers did not start within 10 s');
  });
});
