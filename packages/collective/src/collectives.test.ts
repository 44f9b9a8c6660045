import { describe, expect, it } from 'vitest';
import { createInMemoryGroups } from './create-in-memory-groups.js';
import { CollectiveArgumentError } from './errors.js';

describe('broadcast, all-gather and barrier over in-memory groups', () => {
  for (const n of [1, 2, 3, 5]) {
    it(`broadcasts from every root to ${n} ranks, for empty, odd and multi-segment tensors`, async () => {
      const groups = createInMemoryGroups(n, { segmentBytes: 64 });
      for (const length of [0, 1, 7, 101]) {
        for (let root = 0; root < n; root++) {
          const data = groups.map((g) => Float32Array.from({ length }, (_, i) => (g.rank === root ? i + 0.5 : -1)));
          const out = await Promise.all(groups.map((g, r) => g.broadcast(data[r] as Float32Array, root)));
          for (const [r, o] of out.entries()) {
            expect(o).toBe(data[r]);
            expect([...o]).toEqual(Array.from({ length }, (_, i) => i + 0.5));
          }
        }
      }
    });

    it(`gathers blocks of different lengths from ${n} ranks`, async () => {
      const groups = createInMemoryGroups(n, { segmentBytes: 16 });
      const inputs = groups.map((g) => Float32Array.from({ length: 3 * g.rank + (g.rank % 2) }, (_, i) => 100 * g.rank + i));
      const out = await Promise.all(groups.map((g, r) => g.allGather(inputs[r] as Float32Array)));
      for (const blocks of out) expect(blocks.map((b) => [...b])).toEqual(inputs.map((b) => [...b]));
      expect(out[0]?.[0]).not.toBe(inputs[0]); // a copy, not the input
    });
  }

  it('releases no rank from a barrier before every rank has entered it', async () => {
    const groups = createInMemoryGroups(4);
    const released: number[] = [];
    const early = groups.slice(0, 3).map((g) => g.barrier().then(() => released.push(g.rank)));
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(released).toEqual([]);
    await Promise.all([...early, (groups[3] as (typeof groups)[number]).barrier().then(() => released.push(3))]);
    expect(released.sort()).toEqual([0, 1, 2, 3]);
  });

  it('rejects invalid arguments without taking a sequence number', async () => {
    const groups = createInMemoryGroups(2);
    const g = groups[0] as (typeof groups)[number];
    await expect(g.allReduce([1, 2] as unknown as Float32Array, 'sum')).rejects.toThrow(CollectiveArgumentError);
    await expect(g.allReduce(new Float32Array(1), 'max' as 'sum')).rejects.toThrow("allReduce: op: expected 'sum' or 'mean', got \"max\"");
    await expect(g.broadcast(new Float32Array(1), 2)).rejects.toThrow('broadcast: root: expected a rank in 0..1, got 2');
    const out = await Promise.all(groups.map((x) => x.allReduce(Float32Array.of(1), 'sum')));
    expect(out.map((o) => o[0])).toEqual([2, 2]);
  });
});

describe('trace context on the wire', () => {
  const hex = (digits: number, rank: number): string => (rank + 1).toString(16).padStart(digits, '0');

  it('hands each rank the trace context its left neighbour stamped on its data frames', async () => {
    const groups = createInMemoryGroups(3, { segmentBytes: 16 });
    groups.forEach((g) => g.setTraceContext({ traceId: hex(32, g.rank), spanId: hex(16, g.rank) }));
    await Promise.all(groups.map((g) => g.allReduce(new Float32Array(10).fill(g.rank), 'sum')));
    for (const g of groups) {
      const left = (g.rank + 2) % 3;
      expect([...g.takePeerTraceContexts()]).toEqual([[left, { traceId: hex(32, left), spanId: hex(16, left) }]]);
      expect(g.takePeerTraceContexts().size).toBe(0); // taken once
    }
    // Cleared contexts are not sent.
    groups.forEach((g) => g.setTraceContext(null));
    await Promise.all(groups.map((g) => g.allReduce(new Float32Array(10), 'sum')));
    for (const g of groups) expect(g.takePeerTraceContexts().size).toBe(0);
  });

  it('refuses malformed ids', () => {
    const [g] = createInMemoryGroups(1);
    expect(() => g?.setTraceContext({ traceId: 'abc', spanId: '00f067aa0ba902b7' })).toThrow(CollectiveArgumentError);
  });
});
