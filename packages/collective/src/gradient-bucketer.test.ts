import { describe, expect, it } from 'vitest';
import { fp16CompressSumHook, type CommHook } from './comm-hooks.js';
import { createInMemoryGroups } from './create-in-memory-groups.js';
import { CollectiveArgumentError } from './errors.js';
import { bucketedGradients, GradientBucketer, type NamedGradient } from './gradient-bucketer.js';

function grads(rank: number, sizes: readonly number[]): NamedGradient[] {
  return sizes.map((n, k) => ({ name: `p${k}`, data: Float32Array.from({ length: n }, (_, i) => rank * 1000 + k * 10 + i) }));
}

describe('GradientBucketer', () => {
  it('packs gradients into buckets of at most bucketBytes and writes back the mean', async () => {
    const sizes = [3, 5, 2, 40, 1, 0, 7];
    const groups = createInMemoryGroups(3);
    const seen: { index: number; names: string[]; length: number }[] = [];
    const spy: CommHook = (state, bucket) => {
      if (state.group.rank === 0) seen.push({ index: bucket.index, names: bucket.gradients.map((g) => g.name), length: bucket.buffer.length });
      return state.group.allReduce(bucket.buffer, 'mean');
    };
    const all = groups.map((g) => grads(g.rank, sizes));
    const bucketers = groups.map((g) => new GradientBucketer(g, { bucketBytes: 40, hook: spy }));
    await Promise.all(bucketers.map((b, r) => b.reduce(all[r] as NamedGradient[])));
    // Planned from the last gradient to the first, the order a backward pass produces them.
    expect(seen).toEqual([
      { index: 0, names: ['p6', 'p5', 'p4'], length: 8 },
      { index: 1, names: ['p3'], length: 40 }, // larger than a bucket: a bucket of its own
      { index: 2, names: ['p2', 'p1', 'p0'], length: 10 },
    ]);
    for (const g of all)
      for (const [k, { data }] of g.entries()) expect([...data]).toEqual(Array.from({ length: sizes[k] as number }, (_, i) => 1000 + k * 10 + i));
  });

  it('starts each bucket as soon as its gradients are ready, in plan order, before the rest exist', async () => {
    const groups = createInMemoryGroups(2);
    const started: string[][] = [];
    const hook: CommHook = (state, bucket) => {
      if (state.group.rank === 0) started.push(bucket.gradients.map((g) => g.name));
      return state.group.allReduce(bucket.buffer, 'sum');
    };
    const all = groups.map((g) => grads(g.rank, [4, 4, 4, 4]));
    const rounds = groups.map((g, r) => new GradientBucketer(g, { bucketBytes: 32, hook }).begin(all[r] as NamedGradient[]));
    for (const round of rounds) round.ready(3);
    expect(started).toEqual([]); // bucket 0 is p3 + p2
    for (const round of rounds) round.ready(2);
    expect(started).toEqual([['p3', 'p2']]);
    for (const round of rounds) round.ready(0); // bucket 1 waits for p1
    expect(started).toHaveLength(1);
    for (const round of rounds) round.ready(1);
    expect(started).toEqual([
      ['p3', 'p2'],
      ['p1', 'p0'],
    ]);
    await Promise.all(rounds.map((round) => round.done()));
    expect([...(all[0]?.[3]?.data ?? [])]).toEqual([1060, 1062, 1064, 1066]);
    // A gradient never marked ready is named.
    const [g] = createInMemoryGroups(1);
    const round = new GradientBucketer(g as NonNullable<typeof g>).begin(grads(0, [2, 2]));
    round.ready(1);
    await expect(round.done()).rejects.toThrow('not marked ready: p0');
  });

  it("keeps every rank's operations in one order when fp16 falls back to float32 and gradients are ready at different times", async () => {
    const groups = createInMemoryGroups(2);
    // Bucket 0 (p1) overflows fp16 (1e5 + 1e5); bucket 1 (p0) does not.
    const all = groups.map(() => [
      { name: 'p0', data: Float32Array.of(1, 2, 3) },
      { name: 'p1', data: Float32Array.of(1e5, 1e5, 0.5, 0.25) },
    ]);
    const rounds = groups.map((g, r) => new GradientBucketer(g, { bucketBytes: 16, hook: fp16CompressSumHook }).begin(all[r]!));
    // Rank 0 has both buckets ready at once; rank 1 only after its first bucket's all-reduce is done.
    rounds[0]!.ready(1);
    rounds[0]!.ready(0);
    rounds[1]!.ready(1);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    rounds[1]!.ready(0);
    await Promise.all(rounds.map((round) => round.done()));
    for (const g of all) expect([...g[1]!.data]).toEqual([2e5, 2e5, 1, 0.5]); // float32 sums
    for (const g of all) expect([...g[0]!.data]).toEqual([2, 4, 6]);
  });

  it('reuses its plan and buffers while names and lengths stay the same', async () => {
    const groups = createInMemoryGroups(2);
    const buffers = new Set<Float32Array>();
    const hook: CommHook = (state, bucket) => (buffers.add(bucket.buffer), state.group.allReduce(bucket.buffer, 'sum'));
    const bucketers = groups.map((g) => new GradientBucketer(g, { bucketBytes: 1e6, hook }));
    for (let step = 0; step < 3; step++) await Promise.all(bucketers.map((b, r) => b.reduce(grads(r, [4, 4]))));
    expect(buffers.size).toBe(2); // one per rank, reused for three steps
    await Promise.all(bucketers.map((b, r) => b.reduce(grads(r, [4, 5]))));
    expect(buffers.size).toBe(4);
    expect(bucketers[0]?.bucketCount).toBe(1);
  });

  it('uses 25 MB buckets and the mean hook by default', async () => {
    const groups = createInMemoryGroups(2);
    const bucketers = groups.map((g) => new GradientBucketer(g));
    const all = groups.map((g) => [
      { name: 'big', data: new Float32Array(6_250_001).fill(g.rank) },
      { name: 'b', data: Float32Array.of(g.rank * 2) },
    ]);
    await Promise.all(bucketers.map((b, r) => b.reduce(all[r] as NamedGradient[])));
    expect(bucketers[0]?.bucketCount).toBe(2); // 6,250,001 floats = 25,000,004 bytes > 25e6
    expect([all[1]?.[0]?.data[0], all[1]?.[0]?.data[6_250_000], all[1]?.[1]?.data[0]]).toEqual([0.5, 0.5, 1]);
  });

  it('rejects a hook result of the wrong length and an invalid bucket size', async () => {
    const [g] = createInMemoryGroups(1);
    const bad = new GradientBucketer(g as NonNullable<typeof g>, { hook: () => Promise.resolve(new Float32Array(1)) });
    await expect(bad.reduce(grads(0, [3]))).rejects.toThrow(CollectiveArgumentError);
    expect(() => new GradientBucketer(g as NonNullable<typeof g>, { bucketBytes: 0 })).toThrow('bucketBytes: expected a positive number, got 0');
  });
});

describe('bucketedGradients', () => {
  it('lays gradients out in the buckets themselves: the reduction copies nothing and writes the result in place', async () => {
    const groups = createInMemoryGroups(2);
    const buffers = new Set<Float32Array>();
    const hook: CommHook = (state, bucket) => (buffers.add(bucket.buffer), state.group.allReduce(bucket.buffer, 'sum'));
    const layouts = groups.map(() =>
      bucketedGradients(
        [3, 5, 2, 40].map((length, k) => ({ name: `p${k}`, length })),
        40,
      ),
    );
    layouts.forEach((gs, r) => gs.forEach((g, k) => g.data.fill(r + k)));
    const bucketers = groups.map((g) => new GradientBucketer(g, { bucketBytes: 40, hook }));
    await Promise.all(bucketers.map((b, r) => b.reduce(layouts[r]!)));
    for (const gs of layouts) expect(gs.map((g) => [...g.data].every((x) => x === 1 + 2 * gs.indexOf(g)))).toEqual([true, true, true, true]);
    // The buckets are views of the gradients' own memory.
    const [p0, p1, p2, p3] = layouts[0]!; // buckets [p3] and [p2, p1, p0]
    expect(p0!.data.buffer).toBe(p2!.data.buffer);
    expect(p3!.data.buffer).not.toBe(p1!.data.buffer);
    expect(buffers.size).toBe(4); // two buckets per rank
    for (const b of buffers) expect(layouts.some((gs) => gs.some((g) => g.data.buffer === b.buffer))).toBe(true);
    // Separate arrays of the same names and lengths get buckets of their own again.
    const separate = groups.map((g) => grads(g.rank, [3, 5, 2, 40]));
    await Promise.all(bucketers.map((b, r) => b.reduce(separate[r]!)));
    expect([...separate[0]![1]!.data]).toEqual([1020, 1022, 1024, 1026, 1028]);
  });
});
