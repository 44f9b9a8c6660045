import { describe, expect, it } from 'vitest';
import { ACTIVE_STATES, PENDING_STATES } from '../jobs/job-state.js';
import { StoreFixture } from '../testing/store-fixtures.js';

describe('Store queries for the control plane at scale', () => {
  it('pages experiments with their trials figures in one query, filtered by state, newest first on request', () => {
    const f = new StoreFixture();
    const trials = Array.from({ length: 5 }, (_, i) => f.queue(`e${i}`));
    f.store.moveTrial(trials[1]!.id, 'queued', 'scheduled', 'placed', { attempt: 1 });
    f.store.moveTrial(trials[1]!.id, 'scheduled', 'running', 'reported');
    f.store.recordProgress(trials[1]!.id, 'progress', 40, { loss: 2 });
    f.store.recordProgress(trials[1]!.id, 'evaluation', 40, { loss: 1.5, perplexity: 4.5 });
    const all = f.store.experimentPage({ limit: 2, offset: 0 });
    expect([all.total, all.rows.map((r) => r.name)]).toEqual([5, ['e0', 'e1']]);
    expect(all.rows[1]).toMatchObject({ state: 'running', trials: 1, step: 40, validLoss: 1.5 });
    expect(f.store.experimentPage({ limit: 10, offset: 3 }).rows.map((r) => r.name)).toEqual(['e3', 'e4']);
    const running = f.store.experimentPage({ state: 'running', limit: 10, offset: 0 });
    expect([running.total, running.rows.map((r) => r.name)]).toEqual([1, ['e1']]);
    expect(f.store.experimentPage({ limit: 2, offset: 0, newest: true }).rows.map((r) => r.name)).toEqual(['e3', 'e4']);
    expect(f.store.experimentCounts()).toEqual({ queued: 4, running: 1 });
    expect(f.store.trialCounts()).toEqual({ queued: 4, running: 1 });
  });

  it("keeps each rank's latest timing row of a finished run, every progress row, and answers queue positions", () => {
    const f = new StoreFixture();
    const [t, other] = [f.queue('t'), f.queue('other', { priority: 90 })];
    for (const step of [10, 20, 30])
      for (const rank of [0, 1]) f.store.recordProgress(t.id, 'timing', step, { rank, seconds: { data: 0, compute: step, allReduce: 0, optimizer: 0 } });
    f.store.recordProgress(t.id, 'progress', 30, { loss: 2 });
    f.store.recordProgress(other.id, 'timing', 5, { rank: 0, seconds: {} });
    f.store.keepLatestTimings(t.id);
    expect(f.store.metrics(t.id).map((m) => [m.kind, m.step, m.values['rank']])).toEqual([
      ['timing', 30, 0],
      ['timing', 30, 1],
      ['progress', 30, undefined],
    ]);
    expect(f.store.metrics(other.id)).toHaveLength(1);
    // Priority first: `other` (90) is ahead of `t` (50).
    expect([f.store.queuePosition(f.store.trial(other.id)), f.store.queuePosition(f.store.trial(t.id))]).toEqual([1, 2]);
  });

  it("keeps the scheduler's copy of pending and active trials current through the store's own writes", () => {
    const f = new StoreFixture();
    const [a, b] = [f.queue('a', { workers: 2 }), f.queue('b', { workers: 4, priority: 70 })];
    expect(f.store.schedulingRows(PENDING_STATES).map((t) => [t.id, t.workers, t.minWorkers, t.priority, t.launcher])).toEqual([
      [a.id, 2, 2, 50, 'agents'],
      [b.id, 4, 4, 70, 'agents'],
    ]);
    const placement = { workers: [{ rank: 0, agent: 'n1', host: 'n1', slots: [0], port: 29500, localRank: 0, localWorldSize: 1 }] };
    f.store.moveTrial(a.id, 'queued', 'scheduled', 'placed', { attempt: 1, placement, placedAt: f.clock });
    expect(f.store.schedulingRows(PENDING_STATES).map((t) => t.id)).toEqual([b.id]);
    expect(f.store.schedulingRows(ACTIVE_STATES)).toMatchObject([{ id: a.id, state: 'scheduled', placement, placedAt: f.clock }]);
    f.store.updatePlacement(a.id, { workers: [] });
    expect(f.store.schedulingRows(ACTIVE_STATES)[0]?.placement).toEqual({ workers: [] });
    f.store.moveTrial(a.id, 'scheduled', 'cancelled', 'cancelled by user', { placement: null });
    expect(f.store.schedulingRows([...ACTIVE_STATES, ...PENDING_STATES]).map((t) => t.id)).toEqual([b.id]);
    const c = f.queue('c');
    expect(f.store.schedulingRows(PENDING_STATES).map((t) => t.id)).toEqual([b.id, c.id]);
    // What the cache holds is what a fresh read of the table gives.
    const fresh = f.store.trialsIn([...PENDING_STATES, ...ACTIVE_STATES]).map((t) => [t.id, t.state, t.placement]);
    expect(f.store.schedulingRows([...PENDING_STATES, ...ACTIVE_STATES]).map((t) => [t.id, t.state, t.placement])).toEqual(fresh);
  });

  it('batches writes of one turn into one transaction that readers on the connection already see; flush commits', async () => {
    const f = new StoreFixture();
    f.store.batchWrites();
    const t = f.queue('batched');
    expect(f.store.trial(t.id).state).toBe('queued');
    f.store.flush();
    f.store.batchWrites();
    f.store.addEvent({ experimentId: null, trialId: null, kind: 'x', message: 'in a batch' });
    await new Promise((r) => setImmediate(r));
    expect(f.store.events(null).some((e) => e.message === 'in a batch')).toBe(true);
  });
});
