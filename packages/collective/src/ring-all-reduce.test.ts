import { describe, expect, it } from 'vitest';
import { createInMemoryGroups } from './create-in-memory-groups.js';

/** Deterministic pseudo-random floats in [-1, 1). */
function randomData(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function sameBits(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('ring all-reduce over in-memory groups', () => {
  for (const n of [1, 2, 3, 4, 5]) {
    for (const length of [0, 1, 2, 3, n - 1, 7, 1000, 16_411]) {
      it(`sums and averages ${length} elements over ${n} ranks, bit-identical on every rank`, async () => {
        const groups = createInMemoryGroups(n, { segmentBytes: 1024 });
        const inputs = groups.map((g) => randomData(length, 17 * g.rank + length + 1));
        const serial = Array.from({ length }, (_, i) => inputs.reduce((s, x) => s + (x[i] as number), 0));
        const absSum = Array.from({ length }, (_, i) => inputs.reduce((s, x) => s + Math.abs(x[i] as number), 0));

        const sums = await Promise.all(groups.map((g, r) => g.allReduce((inputs[r] as Float32Array).slice(), 'sum')));
        const means = await Promise.all(groups.map((g, r) => g.allReduce((inputs[r] as Float32Array).slice(), 'mean')));

        // float32 summation error bound: n roundings of at most 2^-24 relative each, to first order
        const excess = { sum: 0, mean: 0 };
        for (let i = 0; i < length; i++) {
          const bound = n * 2 ** -24 * (absSum[i] as number);
          const exact = serial[i] as number;
          excess.sum = Math.max(excess.sum, Math.abs((sums[0]?.[i] as number) - exact) - bound);
          excess.mean = Math.max(excess.mean, Math.abs((means[0]?.[i] as number) - exact / n) - bound / n - 2 ** -24 * Math.abs(exact / n));
        }
        expect(excess).toEqual({ sum: 0, mean: 0 });
        expect(sums.map((s) => sameBits(s, sums[0]))).toEqual(sums.map(() => true));
        expect(means.map((m) => sameBits(m, means[0]))).toEqual(means.map(() => true));
      });
    }
  }

  it('reduces in place and resolves with the same array', async () => {
    const groups = createInMemoryGroups(3);
    const data = groups.map((g) => Float32Array.of(g.rank, 1));
    const out = await Promise.all(groups.map((g, r) => g.allReduce(data[r] as Float32Array, 'sum')));
    expect(out[1]).toBe(data[1]);
    expect([...(data[1] as Float32Array)]).toEqual([3, 3]);
  });

  it('runs operations issued without awaiting in call order', async () => {
    const groups = createInMemoryGroups(3, { segmentBytes: 16 });
    const results = await Promise.all(
      groups.map((g) => Promise.all([g.allReduce(Float32Array.of(1, 2, 3, 4, 5), 'sum'), g.allReduce(Float32Array.of(g.rank), 'mean'), g.barrier()])),
    );
    for (const [a, b] of results) {
      expect([...(a as Float32Array)]).toEqual([3, 6, 9, 12, 15]);
      expect([...(b as Float32Array)]).toEqual([1]);
    }
  });
});
