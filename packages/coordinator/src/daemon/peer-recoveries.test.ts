import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FakeProcess } from '@orquesta/launch';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { spec } from '../testing/spec-text.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

async function started(recovery: string, workers = 3): Promise<{ cluster: InMemoryCluster; id: number; trialId: number; procs: FakeProcess[] }> {
  const cluster = new InMemoryCluster(':memory:', { baseDir: ROOT });
  cluster.addAgent('node-a', workers);
  await cluster.settle();
  const result = cluster.coordinator.submit(spec({ workers, recovery }), 'test.yaml');
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('; '));
  await cluster.settle();
  const trialId = result.trials[0]!;
  const procs = cluster.live(trialId);
  procs[0]!.report({
    v: 1,
    type: 'progress',
    step: 40,
    maxSteps: 100,
    loss: 2,
    lr: 1e-3,
    gradNorm: 1,
    tokensPerSecond: 1,
    seconds: { data: 0, compute: 1, allReduce: 0, optimizer: 0 },
  });
  await cluster.settle();
  return { cluster, id: result.id, trialId, procs };
}

const regroup = (p: FakeProcess, generation: number, holds: boolean, step: number) =>
  p.report({ v: 1, type: 'regroup', rank: Number(p.env['RANK']), generation, holds, step });

describe('peer recovery (coordinator)', () => {
  it('replaces a lost rank in its slot, orders the survivors to leave, and to join once every rank is ready', async () => {
    const { cluster, id, trialId, procs } = await started('recovery: peer');
    expect(procs.every((p) => p.env['ORQUESTA_RECOVERY'] === 'peer')).toBe(true);
    const [p0, p1, p2] = procs as [FakeProcess, FakeProcess, FakeProcess];
    // A survivor may see the group break before the coordinator hears of the exit.
    regroup(p0, 1, true, 41);
    p1.exit(null, 'SIGKILL');
    await cluster.settle();
    const trial = cluster.store.trial(trialId);
    expect(trial).toMatchObject({ state: 'running', attempt: 1, restarts: 0 });
    expect(p0.signals).toEqual([]);
    const leave = { v: 1, type: 'regroup', generation: 1, phase: 'leave' };
    expect(p0.messages).toEqual([leave]);
    expect(p2.messages).toEqual([leave]);
    const replacement = cluster.live(trialId).find((p) => p.env['RANK'] === '1')!;
    expect(replacement).not.toBe(p1);
    expect(replacement.env).toMatchObject({ ORQUESTA_REPLACEMENT: '1', ORQUESTA_RECOVERY: 'peer', ORQUESTA_PEERS: p1.env['ORQUESTA_PEERS'] });
    expect(cluster.store.events(id).map((e) => e.message)).toContain(
      'trial 0: rank 1 exited with signal SIGKILL; ranks 0, 2 keep its state; replacing rank 1 on node-a (process group 1, replacement 1 of at most 100)',
    );
    regroup(p2, 1, true, 40);
    await cluster.settle();
    expect(p0.messages).toHaveLength(1); // the replacement is not ready yet
    regroup(replacement, 1, false, 0);
    await cluster.settle();
    const join = { v: 1, type: 'regroup', generation: 1, phase: 'join' };
    for (const p of [p0, p2, replacement]) expect(p.messages.at(-1)).toEqual(join);
    p0.report({ v: 1, type: 'recovered', generation: 1, step: 41, source: 0, replaced: [1], seconds: 1.5 });
    await cluster.settle();
    expect(cluster.store.events(id).at(-1)!.message).toMatch(
      /^trial 0: recovered in [\d.]+ s \(rank 1 replaced\): every rank holds rank 0's state of step 41 in process group 1$/,
    );
    expect(cluster.store.trial(trialId).goodputJson).toContain(`"run":"${trialId}.1/1"`);
    // The next loss forms group 2.
    p2.exit(null, 'SIGKILL');
    await cluster.settle();
    expect(p0.messages.at(-1)).toEqual({ ...leave, generation: 2 });
    expect(cluster.store.trial(trialId)).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('restarts from the checkpoint when a rank is lost after the join order, or the recovery outlives replacement_timeout_s', async () => {
    const { cluster, id, trialId, procs } = await started('recovery: peer, replacement_timeout_s: 30');
    const [p0, p1, p2] = procs as [FakeProcess, FakeProcess, FakeProcess];
    p1.exit(null, 'SIGKILL');
    await cluster.settle();
    const replacement = cluster.live(trialId).find((p) => p.env['RANK'] === '1')!;
    for (const [p, holds] of [
      [p0, true],
      [p2, true],
      [replacement, false],
    ] as const)
      regroup(p, 1, holds, 40);
    await cluster.settle();
    p2.exit(null, 'SIGKILL'); // lost while the group forms: no second replacement
    await cluster.settle();
    expect(p0.signals).toContain('SIGKILL');
    expect(cluster.store.events(id).map((e) => e.message)).toContain('trial 0: running -> restarting: rank 2 exited with signal SIGKILL');
    expect(cluster.store.trial(trialId)).toMatchObject({ restarts: 1, attempt: 2 });

    const second = await started('recovery: peer, replacement_timeout_s: 30');
    second.procs[2]!.exit(null, 'SIGKILL');
    await second.cluster.settle();
    await second.cluster.advance(29_000);
    expect(second.cluster.store.trial(second.trialId).state).toBe('running');
    await second.cluster.advance(2_000);
    const events = second.cluster.store.events(second.id).map((e) => e.message);
    expect(events.join('\n')).toMatch(/running -> restarting: peer recovery did not finish within 30 s/);
  });

  it('keeps the checkpoint path when the spec asks for it', async () => {
    const { cluster, trialId, procs } = await started('recovery: checkpoint');
    expect(procs[0]!.env['ORQUESTA_RECOVERY']).toBeUndefined();
    procs[1]!.exit(null, 'SIGKILL');
    await cluster.settle();
    expect(procs[0]!.signals).toEqual(['SIGKILL']);
    expect(procs[0]!.messages).toEqual([]);
    expect(cluster.store.trial(trialId).state).not.toBe('running');
  });

  it('forms the group again without a replacement when every rank left it and none was lost', async () => {
    const { cluster, id, procs } = await started('recovery: peer', 2);
    regroup(procs[0]!, 1, true, 41);
    regroup(procs[1]!, 1, true, 41);
    await cluster.settle();
    for (const p of procs) expect(p.messages).toEqual([{ v: 1, type: 'regroup', generation: 1, phase: 'join' }]);
    procs[0]!.report({ v: 1, type: 'recovered', generation: 1, step: 41, source: 0, replaced: [], seconds: 0.2 });
    await cluster.settle();
    expect(cluster.store.events(id).at(-1)!.message).toMatch(/recovered in [\d.]+ s \(no rank replaced\)/);
  });
});
