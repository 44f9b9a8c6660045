import { describe, expect, it } from 'vitest';
import type { CommHook } from './comm-hooks.js';
import { createInMemoryGroups } from './create-in-memory-groups.js';
import { CollectiveArgumentError } from './errors.js';
import { GradientBucketer, type NamedGradient } from './gradient-bucketer.js';

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
    expect(seen).toEqual([
      { index: 0, names: ['p0', 'p1', 'p2'], length: 10 },
      { index: 1, names: ['p3'], length: 40 }, // larger than a bucket: a bucket of its own
      { index: 2, names: ['p4', 'p5', 'p6'], length: 8 },
    ]);
    for (const g of all) for (const [k, { data }] of g.entries()) expect([...data]).toEqual(Array.from({ length: sizes[k] as number }, (_, i) => 1000 + k * 10 + i));
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
    const all = groups.map((g) => [{ name: 'big', data: new Float32Array(6_250_001).fill(g.rank) }, { name: 'b', data: Float32Array.of(g.rank * 2) }]);
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
