import { describe, expect, it } from 'vitest';
import type { ActiveJob, AgentView, PendingJob } from './cluster-view.js';
import { placeGang, freeResources } from './place-gang.js';
import { schedule, type Decision } from './schedule.js';

const agent = (id: string, slots: number, gpus: string[] = []): AgentView => ({ id, host: `${id}.local`, slots, gpus, ports: [29500, 29599] });
const pending = (trial: number, workers: number, priority = 50, queuedAt = trial, minWorkers = workers): PendingJob => ({
  trial,
  priority,
  workers,
  minWorkers,
  slotsPerWorker: 1,
  queuedAt,
});

/** Runs `trial` as an active job on the slots a gang placement gives it. */
function active(trial: number, workers: number, agents: AgentView[], options: Partial<ActiveJob> = {}, others: ActiveJob[] = []): ActiveJob {
  const placement = placeGang(
    workers,
    1,
    freeResources(
      agents,
      others.map((o) => o.placement),
    ),
  );
  if (!placement) throw new Error('test setup does not fit');
  return { trial, priority: 50, preemptible: true, placedAt: trial, stopping: false, placement, ...options };
}

const placed = (ds: Decision[]) => ds.filter((d) => d.kind === 'place').map((d) => d.trial);
const preempted = (ds: Decision[]) => ds.filter((d) => d.kind === 'preempt').map((d) => d.trial);

describe('gang placement', () => {
  it('places all workers or none', () => {
    const agents = [agent('a', 2), agent('b', 1)];
    expect(placeGang(4, 1, freeResources(agents, []))).toBeUndefined();
    const p = placeGang(3, 1, freeResources(agents, []));
    expect(p?.workers.map((w) => [w.rank, w.agent, w.slots, w.port, w.localRank, w.localWorldSize])).toEqual([
      [0, 'a', [0], 29500, 0, 2],
      [1, 'a', [1], 29501, 1, 2],
      [2, 'b', [0], 29500, 0, 1],
    ]);
  });

  it('packs onto the fewest agents and respects slots per worker', () => {
    const agents = [agent('a', 1), agent('b', 4)];
    expect(placeGang(2, 1, freeResources(agents, []))?.workers.map((w) => w.agent)).toEqual(['b', 'b']);
    expect(placeGang(2, 2, freeResources(agents, []))?.workers.map((w) => w.slots)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(placeGang(3, 2, freeResources(agents, []))).toBeUndefined();
  });

  it('does not hand out slots or ports that running trials hold', () => {
    const agents = [agent('a', 2)];
    const first = active(1, 1, agents);
    const second = placeGang(1, 1, freeResources(agents, [first.placement]));
    expect(second?.workers[0]).toMatchObject({ slots: [1], port: 29501 });
  });
});

describe('schedule', () => {
  const now = 1_000;

  it('orders by priority, then first come first served', () => {
    const agents = [agent('a', 1)];
    expect(placed(schedule({ agents, active: [], pending: [pending(1, 1, 50, 10), pending(2, 1, 80, 20)] }, { now }))).toEqual([2]);
    expect(placed(schedule({ agents, active: [], pending: [pending(3, 1, 50, 30), pending(4, 1, 50, 20)] }, { now }))).toEqual([4]);
  });

  it('places several trials in one pass while slots last', () => {
    const agents = [agent('a', 2), agent('b', 2)];
    const ds = schedule({ agents, active: [], pending: [pending(1, 2), pending(2, 1), pending(3, 2)] }, { now });
    expect(placed(ds)).toEqual([1, 2]);
    const slotsUsed = ds.flatMap((d) => (d.kind === 'place' ? d.placement.workers.map((w) => `${w.agent}:${w.slots[0]}`) : []));
    expect(new Set(slotsUsed).size).toBe(3);
  });

  it('backfills a small trial past a big one that does not fit', () => {
    const agents = [agent('a', 2)];
    const running = [active(1, 1, agents, { preemptible: false })];
    const ds = schedule({ agents, active: running, pending: [pending(2, 2, 50, 100), pending(3, 1, 50, 200)] }, { now: 300 });
    expect(placed(ds)).toEqual([3]);
  });

  it('stops backfilling past a trial that has waited longer than the starvation limit', () => {
    const agents = [agent('a', 2)];
    const running = [active(1, 1, agents, { preemptible: false })];
    const view = { agents, active: running, pending: [pending(2, 2, 50, 0), pending(3, 1, 50, 10)] };
    expect(placed(schedule(view, { now: 299_999 }))).toEqual([3]);
    expect(placed(schedule(view, { now: 300_000 }))).toEqual([]);
  });

  it('preempts the lowest-priority, most recently placed preemptible trials, as few as needed', () => {
    const agents = [agent('a', 3)];
    const j1 = active(1, 1, agents, { priority: 10, placedAt: 1 });
    const j2 = active(2, 1, agents, { priority: 10, placedAt: 2 }, [j1]);
    const j3 = active(3, 1, agents, { priority: 40, placedAt: 3 }, [j1, j2]);
    const ds = schedule({ agents, active: [j1, j2, j3], pending: [pending(9, 1, 90)] }, { now });
    expect(preempted(ds)).toEqual([2]);
    expect(placed(ds)).toEqual([]);
    const two = schedule({ agents, active: [j1, j2, j3], pending: [pending(9, 2, 90)] }, { now });
    expect(preempted(two)).toEqual([2, 1]);
  });

  it('never preempts equal or higher priority, nor non-preemptible trials', () => {
    const agents = [agent('a', 2)];
    const j1 = active(1, 1, agents, { priority: 90 });
    const j2 = active(2, 1, agents, { priority: 10, preemptible: false }, [j1]);
    expect(schedule({ agents, active: [j1, j2], pending: [pending(9, 1, 90)] }, { now })).toEqual([]);
  });

  it('waits for stopping trials instead of preempting more, and reserves their slots', () => {
    const agents = [agent('a', 2)];
    const j1 = active(1, 2, agents, { priority: 10, stopping: true });
    const ds = schedule({ agents, active: [j1], pending: [pending(9, 2, 90), pending(10, 1, 5)] }, { now });
    expect(ds).toEqual([]);
  });

  it('does not starve: a waiting big trial runs once the small ones finish', () => {
    const agents = [agent('a', 2)];
    let active1 = [active(1, 1, agents, { preemptible: false })];
    const queue = [pending(2, 2, 50, 0)];
    // Small trials keep arriving; after the starvation limit they no longer pass the big one.
    for (let t = 0; t < 10; t++) queue.push(pending(100 + t, 1, 50, 1 + t));
    const ds = schedule({ agents, active: active1, pending: queue }, { now: 400_000 });
    expect(placed(ds)).toEqual([]);
    active1 = [];
    expect(placed(schedule({ agents, active: active1, pending: queue }, { now: 400_001 }))).toEqual([2]);
  });

  it('uses the GPU ids of the slots it hands out', () => {
    const agents = [agent('g', 2, ['3', '7'])];
    const ds = schedule({ agents, active: [], pending: [pending(1, 2)] }, { now });
    const d = ds[0];
    expect(d?.kind === 'place' && d.placement.workers.map((w) => agents[0]!.gpus[w.slots[0]!])).toEqual(['3', '7']);
  });
});

describe('elastic trials (min_workers below workers)', () => {
  const sizes = (ds: Decision[]) => ds.flatMap((d) => (d.kind === 'place' ? [[d.trial, d.placement.workers.length]] : []));

  it('run on as many workers as the free slots hold, down to min_workers, or wait', () => {
    const agents = [agent('a', 2), agent('b', 1)];
    expect(sizes(schedule({ agents, active: [], pending: [pending(1, 4, 50, 0, 2)] }, { now: 10_000 }))).toEqual([[1, 3]]);
    expect(sizes(schedule({ agents: [agent('a', 1)], active: [], pending: [pending(1, 4, 50, 0, 2)] }, { now: 10_000 }))).toEqual([]);
    // Not in its first 10 s in the queue (agents may still be registering), nor when not elastic.
    expect(sizes(schedule({ agents, active: [], pending: [pending(1, 4, 50, 0, 2)] }, { now: 9_999 }))).toEqual([]);
    expect(sizes(schedule({ agents, active: [], pending: [pending(1, 4)] }, { now: 10_000 }))).toEqual([]);
  });

  it('wait for slots that stopping trials are releasing rather than shrink', () => {
    const agents = [agent('a', 4)];
    const stopping = active(9, 2, agents, { stopping: true });
    expect(schedule({ agents, active: [stopping], pending: [pending(1, 4, 50, 0, 1)] }, { now: 60_000 })).toEqual([]);
  });

  it('grow back once their slots plus the free ones hold more workers, after running growAfterMs', () => {
    const agents = [agent('a', 2), agent('b', 2)];
    const shrunk = active(1, 2, [agent('a', 2)], { placedAt: 1_000, elastic: { workers: 4, slotsPerWorker: 1 } });
    expect(schedule({ agents, active: [shrunk], pending: [] }, { now: 30_000, growAfterMs: 60_000 })).toEqual([]);
    expect(schedule({ agents, active: [shrunk], pending: [] }, { now: 61_000, growAfterMs: 60_000 })).toEqual([{ kind: 'grow', trial: 1, from: 2, to: 4 }]);
    // Partly: one more slot frees up, it grows to 3.
    const other = active(2, 1, agents, { placedAt: 0 }, [shrunk]);
    expect(schedule({ agents, active: [shrunk, other], pending: [] }, { now: 61_000 })).toEqual([{ kind: 'grow', trial: 1, from: 2, to: 3 }]);
    // Not when the queue holds a reservation (a starving trial waits for those slots).
    expect(schedule({ agents, active: [shrunk, other], pending: [pending(3, 8, 50, 0)] }, { now: 400_000 })).toEqual([]);
  });
});

describe('per-user quotas', () => {
  const now = { now: 100_000 };
  const of = (job: PendingJob, user: string): PendingJob => ({ ...job, user });

  it("a user at their slot quota waits while another user's trial behind them runs, with nothing reserved", () => {
    const agents = [agent('a', 4)];
    const aliceRunning = { ...active(1, 2, agents), user: 'alice' };
    const quotas = new Map([['alice', { maxSlots: 2 }]]);
    // Alice's next gang (priority 90, first in the queue) is past her 2 slots; Bob's behind it runs on the free slots.
    const ds = schedule({ agents, active: [aliceRunning], pending: [of(pending(2, 2, 90), 'alice'), of(pending(3, 2, 10), 'bob')], quotas }, now);
    expect(ds).toEqual([{ kind: 'place', trial: 3, placement: expect.anything() }]);
    // Without the quota, Alice's trial would have the slots.
    expect(placed(schedule({ agents, active: [aliceRunning], pending: [of(pending(2, 2, 90), 'alice'), of(pending(3, 2, 10), 'bob')] }, now))).toEqual([2]);
  });

  it('counts placements of the same pass, and a trial over quota never preempts', () => {
    const agents = [agent('a', 4)];
    const quotas = new Map([['alice', { maxSlots: 3 }]]);
    const ds = schedule({ agents, active: [], pending: [of(pending(1, 2), 'alice'), of(pending(2, 2), 'alice'), of(pending(3, 1), 'alice')], quotas }, now);
    expect(placed(ds)).toEqual([1, 3]);
    const bobLow = { ...active(9, 4, agents, { priority: 10 }), user: 'bob' };
    const full = schedule({ agents, active: [bobLow], pending: [of(pending(4, 4, 90), 'alice')], quotas }, now);
    expect(full).toEqual([]);
  });

  it('starts an elastic trial with the workers the quota leaves, and grows it only within the quota', () => {
    const agents = [agent('a', 4)];
    const quotas = new Map([['alice', { maxSlots: 3 }]]);
    const ds = schedule({ agents, active: [], pending: [of(pending(1, 4, 50, 0, 2), 'alice')], quotas }, now);
    expect(placed(ds)).toEqual([1]);
    expect((ds[0] as Extract<Decision, { kind: 'place' }>).placement.workers).toHaveLength(3);
    const shrunk = { ...active(1, 3, agents, { placedAt: 0, elastic: { workers: 4, slotsPerWorker: 1 } }), user: 'alice' };
    expect(schedule({ agents, active: [shrunk], pending: [], quotas }, now)).toEqual([]);
    expect(schedule({ agents, active: [shrunk], pending: [] }, now)).toEqual([{ kind: 'grow', trial: 1, from: 3, to: 4 }]);
  });

  it("caps a user's priority at their max priority, for the queue order and for preemption", () => {
    const agents = [agent('a', 2)];
    const quotas = new Map([['alice', { maxPriority: 40 }]]);
    const ds = schedule({ agents, active: [], pending: [of(pending(1, 2, 90), 'alice'), of(pending(2, 2, 50), 'bob')], quotas }, now);
    expect(placed(ds)).toEqual([2]);
    const bobRunning = { ...active(3, 2, agents, { priority: 50 }), user: 'bob' };
    expect(preempted(schedule({ agents, active: [bobRunning], pending: [of(pending(4, 2, 90), 'alice')], quotas }, now))).toEqual([]);
    expect(preempted(schedule({ agents, active: [bobRunning], pending: [of(pending(4, 2, 90), 'alice')] }, now))).toEqual([3]);
  });

  it('hands Slurm trials off only within the quota, counting a handed-off gang before its rendezvous', () => {
    const agents = [agent('a', 2)];
    const quotas = new Map([['alice', { maxSlots: 4 }]]);
    const slurm = (trial: number, workers: number, user: string): PendingJob => ({ ...of(pending(trial, workers), user), external: true });
    // Slurm holds alice's first gang (no workers listed yet): 2 of her 4 slots.
    const handedOff: ActiveJob = {
      trial: 1,
      priority: 50,
      preemptible: true,
      placedAt: 0,
      stopping: false,
      placement: { workers: [], slurmJob: '17' },
      user: 'alice',
      slots: 2,
    };
    const ds = schedule(
      { agents, active: [handedOff], pending: [slurm(2, 2, 'alice'), slurm(3, 2, 'alice'), slurm(4, 8, 'bob'), of(pending(5, 1), 'alice')], quotas },
      now,
    );
    expect(ds).toEqual([
      { kind: 'hand-off', trial: 2 },
      { kind: 'hand-off', trial: 4 },
    ]);
    // Without quotas every Slurm trial goes, whatever the agents' slots.
    expect(schedule({ agents, active: [], pending: [slurm(2, 2, 'alice'), slurm(3, 8, 'alice')] }, now).map((d) => d.kind)).toEqual(['hand-off', 'hand-off']);
  });
});
