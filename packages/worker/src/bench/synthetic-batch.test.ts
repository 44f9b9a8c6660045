import { describe, expect, it } from 'vitest';
import { BENCH_VOCAB, syntheticBatch } from './synthetic-batch.js';

describe('syntheticBatch', () => {
  it('gives the token ids it has always given for a seed', () => {
    const b = syntheticBatch(2, 3, 1);
    expect([...b.src, ...b.tgtIn, ...b.tgtOut]).toEqual([
      4788, 6867, 2434, 5049, 7828, 7179, 6210, 6725, 1348, 2295, 1574, 6205, 216, 899, 4462, 737, 3584, 5907,
    ]);
    expect(b.srcTokens).toBe(6);
  });

  it('keeps ids in [4, vocab)', () => {
    const b = syntheticBatch(8, 32, 5);
    for (const ids of [b.src, b.tgtIn, b.tgtOut]) expect(ids.every((id) => id >= 4 && id < BENCH_VOCAB)).toBe(true);
  });
});
