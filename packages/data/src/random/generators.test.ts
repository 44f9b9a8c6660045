import { describe, expect, it } from 'vitest';
import { lcg32, mixSeeds, mulberry32, splitmix32, xorshift128Plus } from './generators.js';
import { Rng } from './rng.js';

const take = (next: () => number, n: number) => Array.from({ length: n }, next);
const words = (next: () => number, n: number) => take(next, n).map((x) => x * 2 ** 32);

// Sequences these generators have always produced: sampled text, dropout masks (and the native
// kernel that mirrors them), data order and benchmark inputs depend on them staying the same.
describe('seeded generators keep their sequences', () => {
  it('mulberry32', () => {
    expect(words(mulberry32(0), 5)).toEqual([1144304738, 1416247, 958946056, 627933444, 2007157716]);
    expect(words(mulberry32(1), 5)).toEqual([2693262067, 11749833, 2265367787, 4213581821, 4159151403]);
    expect(words(mulberry32(42), 5)).toEqual([2581720956, 1925393290, 3661312704, 2876485805, 750819978]);
    expect(words(mulberry32(0xffffffff), 5)).toEqual([3850105811, 813802916, 3073704848, 4054706436, 3630262831]);
  });

  it('xorshift128Plus', () => {
    expect(words(xorshift128Plus(0), 5)).toEqual([1718856265, 375852378, 3676358443, 1861447844, 4259774222]);
    expect(words(xorshift128Plus(1), 5)).toEqual([1146679039, 482144540, 1482503075, 3185108102, 389875452]);
    expect(words(xorshift128Plus(42), 5)).toEqual([2973105749, 2992574107, 778208598, 2318799392, 400500088]);
    expect(words(xorshift128Plus(0xffffffff), 5)).toEqual([1201737947, 3083883579, 571392998, 144772884, 3796904091]);
  });

  it('Rng (xoshiro128**) from a seed', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return take(() => rng.nextUint32(), 3);
    };
    expect(draw(0)).toEqual([3809008728, 1133695204, 53579671]);
    expect(draw(1)).toEqual([2639375342, 3274559122, 3467335147]);
    expect(draw(42)).toEqual([2357303435, 3307241920, 3305628281]);
    expect(draw(0xffffffff)).toEqual([313808890, 310637626, 1235294531]);
  });

  it('mixSeeds', () => {
    expect([mixSeeds(1, 0, 0), mixSeeds(1, 5, 3), mixSeeds(0xffffffff, 123456, 7), mixSeeds(-3, 2, 1)]).toEqual([
      3051954335, 2911526201, 4294333168, 1016501035,
    ]);
  });

  it('lcg32', () => {
    expect(take(lcg32(1), 3)).toEqual([1015568748, 1586005467, 2165703038]);
    expect(take(lcg32(0), 2)).toEqual([1013904223, 1196435762]);
  });
});

describe('seeded generators', () => {
  it('give floats in [0, 1) and the same sequence for the same seed', () => {
    for (const make of [mulberry32, xorshift128Plus]) {
      const xs = take(make(7), 10_000);
      expect(xs).toEqual(take(make(7), 10_000));
      expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
      expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.02);
    }
  });

  it('splitmix32 and lcg32 give uint32 words', () => {
    for (const make of [splitmix32, lcg32]) {
      const xs = take(make(9), 1000);
      expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
      expect(new Set(xs).size).toBe(1000);
    }
  });
});
