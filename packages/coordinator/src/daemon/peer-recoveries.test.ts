import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FakeProcess } from '@orquesta/launch';
import { reportComputeWindows } from '../testing/compute-windows.js';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { spec } from '../testing/spec-text.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * A trial of `workers` with fault_tolerance `recovery`, placed on `nodes` (id, slots; by default one
 * agent holding every worker), rank 0 past step 40.
 */
async function started(
  recovery: string,
  workers = 3,
  nodes: readonly (readonly [string, number])[] = [['node-a', workers]],
): Promise<{ cluster: InMemoryCluster; id: number; trialId: number; procs: FakeProcess[] }> {
  const cluster = new InMemoryCluster(':memory:', { baseDir: ROOT });
  for (const [node, slots] of nodes) cluster.addAgent(node, slots);
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

/** The agent a fake worker was started by (its spec lies in that agent's state directory). */
const agentOf = (p: FakeProcess) => /orquesta-test-agent-\d+-([^/]+)\//.exec(p.env['ORQUESTA_SPEC'] ?? '')?.[1];

/** One trial of two workers on the first two of `nodes`, 1-slot agents each. */
const spread = (recovery: string, nodes: readonly string[]) =>
  started(
    recovery,
    2,
    nodes.map((n) => [n, 1] as const),
  );

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

  it('a pause or cancel while the group forms stops every rank, the replacement too: the trial takes its stop target, no restart counted', async () => {
    for (const [stop, target] of [
      ['pause', 'paused'],
      ['cancel', 'cancelled'],
    ] as const) {
      const { cluster, id, trialId, procs } = await started('recovery: peer');
      const [p0, p1, p2] = procs as [FakeProcess, FakeProcess, FakeProcess];
      p1.exit(null, 'SIGKILL');
      await cluster.settle();
      const replacement = cluster.live(trialId).find((p) => p.env['RANK'] === '1')!;
      regroup(p0, 1, true, 41);
      await cluster.settle();
      cluster.coordinator[stop](id);
      await cluster.settle();
      for (const p of [p0, p2, replacement]) expect(p.signals).toEqual(['SIGTERM']);
      // Ranks waiting for the join order give up on the stop (PeerRecoveryError): no join is ordered.
      regroup(replacement, 1, false, 0);
      regroup(p2, 1, true, 41);
      await cluster.settle();
      expect(p0.messages.map((m) => (m as { phase: string }).phase)).toEqual(['leave']);
      for (const p of [p0, p2, replacement]) p.exit(1);
      await cluster.settle();
      expect(cluster.store.trial(trialId)).toMatchObject({ state: target, restarts: 0, attempt: 1 });
    }
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

  it('replaces a rank whose node is lost on a free slot of another node: every rank joins on the new endpoints', async () => {
    const { cluster, id, trialId, procs } = await spread('recovery: peer', ['node-a', 'node-b', 'node-c']);
    const [p0, p1] = procs as [FakeProcess, FakeProcess];
    expect([agentOf(p0), agentOf(p1)]).toEqual(['node-a', 'node-b']);
    cluster.cut.add('node-b'); // the node dies with its worker
    await cluster.advance(3000);
    await cluster.advance(3000);
    const replacement = cluster.live(trialId).find((p) => p !== p1 && p.env['RANK'] === '1')!;
    expect(agentOf(replacement)).toBe('node-c');
    const endpoints = ['tcp://node-a.test:29500', 'tcp://node-c.test:29500'];
    expect(replacement.env).toMatchObject({ ORQUESTA_PEERS: endpoints.join(','), ORQUESTA_REPLACEMENT: '1', LOCAL_RANK: '0', LOCAL_WORLD_SIZE: '1' });
    const trial = cluster.store.trial(trialId);
    expect(trial).toMatchObject({ state: 'running', restarts: 0 });
    expect(trial.placement?.workers.map((w) => w.agent)).toEqual(['node-a', 'node-c']);
    expect(cluster.store.workers(`${trialId}.1`).find((w) => w.rank === 1)).toMatchObject({
      agent: 'node-c',
      state: expect.stringMatching(/starting|running/),
    });
    expect(
      cluster.store
        .events(id)
        .map((e) => e.message)
        .join('\n'),
    ).toMatch(/replacing rank 1 on node-c \(moved from node-b, gone or draining\) \(process group 1/);
    expect(p0.messages).toEqual([{ v: 1, type: 'regroup', generation: 1, phase: 'leave' }]);
    regroup(p0, 1, true, 41);
    regroup(replacement, 1, false, 0);
    await cluster.settle();
    const join = { v: 1, type: 'regroup', generation: 1, phase: 'join', endpoints };
    for (const p of [p0, replacement]) expect(p.messages.at(-1)).toEqual(join);
    // A later loss replaces rank 0 in its own slot, with the moved endpoints.
    p0.report({ v: 1, type: 'recovered', generation: 1, step: 41, source: 0, replaced: [1], seconds: 1 });
    await cluster.settle();
    p0.exit(null, 'SIGKILL');
    await cluster.settle();
    const again = cluster.live(trialId).find((p) => p.env['RANK'] === '0')!;
    expect([agentOf(again), again.env['ORQUESTA_PEERS']]).toEqual(['node-a', endpoints.join(',')]);
  });

  it('replace_stragglers: a rank named a straggler is stopped and replaced on a free slot elsewhere; without one it keeps running', async () => {
    const slow = async (recovery: string, nodes: readonly string[]) => {
      const started = await spread(recovery, nodes);
      await reportComputeWindows(started.cluster, started.procs, (rank) => (rank === 1 ? 10 : 5), { until: 40_000, firstStep: 40 });
      return started;
    };
    const { cluster, id, trialId, procs } = await slow('recovery: peer, replace_stragglers: true', ['node-a', 'node-b', 'node-c']);
    const messages = cluster.store.events(id).map((e) => e.message);
    expect(messages).toContain('trial 0: stopping straggler rank 1 to replace it in a free slot elsewhere (fault_tolerance.replace_stragglers)');
    expect(procs[1]!.signals).toEqual(['SIGKILL']);
    expect(procs[0]!.signals).toEqual([]);
    const replacement = cluster.live(trialId).find((p) => p.env['RANK'] === '1')!;
    expect(agentOf(replacement)).toBe('node-c');
    expect(messages.join('\n')).toMatch(/replacing rank 1 on node-c \(moved from node-b, where it straggled\)/);
    expect(cluster.store.trial(trialId)).toMatchObject({ state: 'running', restarts: 0 });

    const full = await slow('recovery: peer, replace_stragglers: true', ['node-a', 'node-b']);
    expect(full.cluster.store.events(full.id).map((e) => e.message)).toContain(
      'trial 0: straggler rank 1 keeps running: no free slot elsewhere can take a replacement',
    );
    expect(full.procs[1]!.signals).toEqual([]);
    const off = await slow('recovery: peer', ['node-a', 'node-b', 'node-c']);
    expect(off.procs[1]!.signals).toEqual([]);
    expect(off.cluster.store.events(off.id).filter((e) => e.kind === 'straggler')).toHaveLength(1); // named, not replaced
  });
});
