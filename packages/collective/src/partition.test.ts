import { describe, expect, it } from 'vitest';
import { mod, Partition, segmentLength } from './partition.js';

describe('Partition', () => {
  it('splits into contiguous chunks whose sizes differ by at most one', () => {
    for (const [length, parts] of [
      [10, 3],
      [2, 5],
      [0, 4],
      [7, 7],
      [1_000_003, 4],
    ] as const) {
      const p = new Partition(length, parts);
      const sizes = Array.from({ length: parts }, (_, i) => p.end(i) - p.start(i));
      expect(p.start(0)).toBe(0);
      expect(p.end(parts - 1)).toBe(length);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('mod is never negative', () => {
    expect([mod(-1, 4), mod(-5, 4), mod(5, 4), mod(0, 1)]).toEqual([3, 3, 1, 0]);
  });
});

describe('segmentLength', () => {
  it('aims at four segments per chunk within [16384, maxSegment] elements', () => {
    expect(segmentLength(262_144, 4_194_304)).toBe(262_144);
    expect(segmentLength(262_144, 262_144)).toBe(65_536);
    expect(segmentLength(262_144, 1000)).toBe(16_384);
    expect(segmentLength(1024, 1_000_000)).toBe(1024);
  });
});
