import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng', () => {
  it('is a pure function of its seed and streams', () => {
    expect(draw(new Rng(1, 7), 50)).toEqual(draw(new Rng(1, 7), 50));
    expect(draw(new Rng(1, 7), 5)).not.toEqual(draw(new Rng(1, 8), 5));
    expect(draw(new Rng(1), 5)).not.toEqual(draw(new Rng(2), 5));
  });

  it('is xoshiro128** (reference outputs for state 1, 2, 3, 4)', () => {
    const rng = Rng.fromState([1, 2, 3, 4]);
    expect(draw(rng, 4)).toEqual([11520, 0, 5927040, 70819200]);
    const copy = Rng.fromState(rng.state());
    expect(draw(copy, 10)).toEqual(draw(rng, 10));
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(RangeError);
  });

  it('below(n) is uniform over [0, n)', () => {
    const rng = new Rng(42);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const x = rng.below(6);
      counts[x] = (counts[x] as number) + 1;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    expect(() => rng.below(1)).not.toThrow();
  });

  it('shuffles into a permutation', () => {
    const a = Int32Array.from({ length: 1000 }, (_, i) => i);
    new Rng(3).shuffle(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...a.subarray(0, 10)]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
