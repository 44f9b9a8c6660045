import { describe, expect, it } from 'vitest';
import { createInMemoryNetworkGroups } from './create-in-memory-groups.js';
import { CollectiveMismatchError, CollectiveTimeoutError, GroupClosedError, PeerLostError, type CollectiveError } from './errors.js';
import type { GroupEvent } from './group-events.js';
import type { ProcessGroup } from './process-group.js';
import { FakeClock, settle } from './testing/fake-clock.js';
import { DTYPE, encodeData, encodeStatus, HEADER_BYTES } from './wire.js';

/** Captures how a promise settles, without leaving a rejection unhandled. */
function outcome<T>(p: Promise<T>): { settled: () => boolean; error: () => CollectiveError | undefined; value: () => T | undefined } {
  let done = false;
  let error: CollectiveError | undefined;
  let value: T | undefined;
  p.then(
    (v) => ((done = true), (value = v)),
    (e: CollectiveError) => ((done = true), (error = e)),
  );
  return { settled: () => done, error: () => error, value: () => value };
}

function setup(n: number, timeoutMs = 1000): ReturnType<typeof createInMemoryNetworkGroups> & { clock: FakeClock; events: [number, GroupEvent][] } {
  const clock = new FakeClock();
  const events: [number, GroupEvent][] = [];
  return { clock, events, ...createInMemoryNetworkGroups(n, { timeoutMs, clock, segmentBytes: 64, onEvent: (rank, e) => events.push([rank, e]) }) };
}

/** The reasons of the frames `rank` dropped. */
function droppedBy(events: [number, GroupEvent][], rank: number): string[] {
  return events.filter(([r, e]) => r === rank && e.type === 'frame-dropped').map(([, e]) => (e.type === 'frame-dropped' ? e.reason : ''));
}

/** Every rank all-reduces [rank, 1]: each gets [sum of ranks, size] (3 ranks: [3, 3]). */
async function expectSumOfRanks(groups: readonly ProcessGroup[]): Promise<void> {
  const out = await Promise.all(groups.map((g) => g.allReduce(Float32Array.of(g.rank, 1), 'sum')));
  const n = groups.length;
  expect(out.map((o) => [...o])).toEqual(groups.map(() => [(n * (n - 1)) / 2, n]));
}

describe('failures name the rank, the operation and its sequence number', () => {
  it('times out naming the rank that never joined, on every other rank, after timeoutMs', async () => {
    const { clock, groups } = setup(4);
    await Promise.all(groups.map((g) => g.barrier())); // seq 1
    const ops = groups.filter((g) => g.rank !== 2).map((g) => outcome(g.allReduce(new Float32Array(100), 'sum'))); // seq 2, rank 2 absent
    await clock.advance(999);
    expect(ops.map((o) => o.settled())).toEqual([false, false, false]);
    await clock.advance(1);
    for (const o of ops) {
      const e = o.error();
      expect(e).toBeInstanceOf(CollectiveTimeoutError);
      expect(e).toMatchObject({ op: 'allReduce', seq: 2, waitingFor: [2], code: 'COLLECTIVE_TIMEOUT' });
    }
    expect(ops[0]?.error()?.message).toMatch(/^rank 0: allReduce #2 timed out after 1000 ms waiting for rank 2/);
  });

  it('names a rank that freezes in the middle of an operation, on every rank', async () => {
    const { clock, groups, network } = setup(4);
    // rank 1 enters, sends its first 3 segments, then freezes without closing any connection
    network.freeze(1, 3);
    const ops = groups.map((g) => outcome(g.allReduce(new Float32Array(1000), 'sum')));
    await clock.advance(1000);
    for (const r of [0, 2, 3]) {
      expect(ops[r]?.error()).toBeInstanceOf(CollectiveTimeoutError);
      expect(ops[r]?.error()).toMatchObject({ waitingFor: [1], op: 'allReduce', seq: 1 });
    }
  });

  it('names a peer that died mid-operation without waiting for the timeout', async () => {
    const { clock, groups, network } = setup(3);
    network.freeze(1, 2); // stops after two segments ...
    const ops = groups.map((g) => outcome(g.allReduce(new Float32Array(1000), 'sum')));
    await settle();
    network.kill(1); // ... and then its connections break
    await clock.advance(0); // the loss grace period, nothing more
    for (const r of [0, 2]) expect(ops[r]?.error()).toMatchObject({ name: 'PeerLostError', waitingFor: [1], op: 'allReduce', seq: 1 });
  });

  it('reports a lost peer on every rank and fails later calls the same way', async () => {
    const { clock, groups, network, events } = setup(3);
    const first = groups.map((g) => outcome(g.allReduce(new Float32Array(10), 'mean')));
    await settle();
    expect(first.map((o) => o.settled())).toEqual([true, true, true]);
    network.kill(2);
    await clock.advance(0);
    const later = groups.slice(0, 2).map((g) => outcome(g.barrier()));
    await settle();
    for (const o of later) expect(o.error()).toMatchObject({ name: 'PeerLostError', waitingFor: [2], op: 'barrier', seq: 2 });
    expect(later[0]?.error()).toBeInstanceOf(PeerLostError);
    expect(events).toContainEqual([0, { type: 'peer-lost', peer: 2, reason: 'disconnected' }]);
  });

  it('turns different operations or lengths at the same sequence number into a mismatch error', async () => {
    const { clock, groups } = setup(3);
    const g = groups as [(typeof groups)[0], (typeof groups)[0], (typeof groups)[0]];
    const ops = [
      outcome(g[0].allReduce(new Float32Array(4), 'sum')),
      outcome(g[1].broadcast(new Float32Array(4), 1)),
      outcome(g[2].allReduce(new Float32Array(4), 'sum')),
    ];
    await clock.advance(0);
    expect(ops[2]?.error()).toBeInstanceOf(CollectiveMismatchError);
    expect(ops[2]?.error()?.message).toContain('rank 1 called broadcast, this rank allReduce');
    for (const o of ops) expect(o.error()?.name).toBe('CollectiveMismatchError');

    const { groups: h, clock: c2 } = setup(2);
    const lengths = h.map((x, r) => outcome(x.allReduce(new Float32Array(r === 0 ? 4 : 5), 'sum')));
    await c2.advance(0);
    expect(lengths[0]?.error()?.message).toContain('rank 1 passed 5 elements, this rank 4');
  });

  it('drops garbage and forged frames, reports them, and still computes the right result', async () => {
    const { groups, network, events } = setup(3);
    network.inject(0, [Buffer.from('not a frame')]);
    network.inject(0, [Buffer.alloc(HEADER_BYTES, 0xff), Buffer.alloc(0)]);
    network.inject(0, encodeStatus(0, 1)); // claims to come from rank 0 itself
    // a well-formed data frame claiming to be from rank 1, which is not rank 0's left neighbour (2)
    network.inject(0, encodeData({ sender: 1, seq: 1, op: 'allReduce', dtype: DTYPE.f32, step: 0, offset: 0, count: 1, total: 2, aux: 0 }, Buffer.alloc(4)));
    await expectSumOfRanks(groups);
    const dropped = droppedBy(events, 0);
    expect(dropped).toEqual(['expected 2 frames, got 1', 'bad magic', 'invalid sender rank 0', 'data from rank 1, which is not a left neighbour of this rank']);
  });

  it('accepts data from a sub-ring neighbour announced before the all-gather that precedes its first frame, and drops it again after the undo', async () => {
    const { groups, network, events } = setup(3);
    const g0 = groups[0] as (typeof groups)[0];
    const early = (seq: number) =>
      encodeData({ sender: 1, seq, op: 'allReduce', dtype: DTYPE.f32, step: 0, offset: 0, count: 1, total: 2, aux: 0 }, Buffer.alloc(4));
    const undo = g0.acceptDataFrom([1, 2]); // 2 is rank 0's left already: the undo keeps it
    network.inject(0, early(1));
    await settle();
    undo();
    network.inject(0, early(1));
    await settle();
    await expectSumOfRanks(groups);
    const dropped = droppedBy(events, 0);
    expect(dropped).toEqual(['data from rank 1, which is not a left neighbour of this rank']);
  });

  it('fails a rank that only receives garbage from its neighbour by timeout, naming the neighbour', async () => {
    const { clock, groups, network } = setup(2, 500);
    const op = outcome((groups[0] as (typeof groups)[0]).allReduce(new Float32Array(3), 'sum'));
    for (let i = 0; i < 5; i++) network.inject(0, [Buffer.from(`junk ${i}`), Buffer.alloc(0)]);
    await clock.advance(500);
    expect(op.error()).toMatchObject({ name: 'CollectiveTimeoutError', waitingFor: [1], seq: 1 });
  });

  it('close() rejects queued operations and lets the peers fail fast instead of timing out', async () => {
    const { clock, groups } = setup(3);
    await Promise.all(groups.map((g) => g.allReduce(new Float32Array(5), 'sum')));
    const queued = outcome((groups[0] as (typeof groups)[0]).barrier());
    const closed = outcome((groups[0] as (typeof groups)[0]).close());
    await settle();
    expect(queued.error()).toBeInstanceOf(GroupClosedError);
    const peers = groups.slice(1).map((g) => outcome(g.barrier()));
    await settle();
    for (const p of peers) expect(p.error()).toMatchObject({ name: 'PeerLostError', waitingFor: [0], seq: 2 });
    expect(peers[0]?.error()?.message).toBe('rank 1: barrier #2 failed: rank 0 closed its group after operation #1');
    await expect((groups[0] as (typeof groups)[0]).barrier()).rejects.toThrow('rank 0: barrier #3 cannot run: the group is closed');
    // close() waits for the peers' goodbyes (here: until they close too), at most closeWaitMs
    expect(closed.settled()).toBe(false);
    await Promise.all(groups.slice(1).map((g) => g.close()));
    expect(closed.settled()).toBe(true);
    expect(clock.now()).toBe(0);
  });
});

describe('close', () => {
  it('gives up waiting for goodbyes after closeWaitMs', async () => {
    const { clock, groups } = setup(2, 1000);
    const closed = outcome((groups[0] as (typeof groups)[0]).close());
    await clock.advance(999);
    expect(closed.settled()).toBe(false);
    await clock.advance(1);
    expect(closed.settled()).toBe(true);
  });
});
