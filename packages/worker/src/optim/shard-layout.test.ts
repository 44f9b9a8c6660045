import { planBuckets, shardChunk } from '@orquesta/collective';
import { describe, expect, it } from 'vitest';
import { chunkPieces, joinDouble, normOfSquares, splitDouble, squaresByChunk } from './shard-layout.js';

describe('shard layout', () => {
  const sizes = [5, 13, 2, 40, 7];
  const plan = planBuckets(
    sizes.map((length, i) => ({ name: `p${i}`, length })),
    4 * 24,
  );

  for (const n of [1, 2, 3, 4]) {
    it(`the ranks' pieces tile every parameter exactly once (${n} ranks)`, () => {
      const covered = sizes.map((s) => new Array<number>(s).fill(0));
      for (let rank = 0; rank < n; rank++)
        for (const p of chunkPieces(plan, n, shardChunk(rank, n)).flat()) for (let i = 0; i < p.length; i++) covered[p.param]![p.paramOffset + i]!++;
      expect(covered.flat().every((c) => c === 1)).toBe(true);
    });
  }

  it('sums the squares per (bucket, chunk) into the global norm', () => {
    const grads = sizes.map((s, i) => Float32Array.from({ length: s }, (_, j) => ((i + 1) * (j - 3)) / 7));
    const exact = Math.sqrt(grads.reduce((acc, g) => acc + g.reduce((a, x) => a + x * x, 0), 0));
    for (const n of [1, 3]) {
      const squares = squaresByChunk(plan, n, grads);
      expect(squares.length).toBe(plan.length * n);
      expect(normOfSquares(squares)).toBeCloseTo(exact, 10);
    }
  });

  it('carries a double exactly as three float32 values', () => {
    for (const x of [0, 1 / 3, Math.PI * 1e10, 12345.678901234567, 2 ** -60 * 1.1, 7e30]) {
      const parts = splitDouble(x);
      for (const p of parts) expect(Math.fround(p)).toBe(p);
      expect(joinDouble(...parts)).toBe(x);
    }
    expect(joinDouble(...splitDouble(Infinity))).toBe(Infinity);
  });
});
