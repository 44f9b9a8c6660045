import { describe, expect, it } from 'vitest';
import { StragglerWatch } from './straggler-watch.js';

describe('StragglerWatch', () => {
  it('names a rank computing at half speed once it stayed slow for holdMs, and only once', () => {
    const watch = new StragglerWatch({ threshold: 0.7, holdMs: 10_000, smoothing: 0.5 });
    const named: [number, number][] = [];
    // Reports every 5 s; rank 1 needs 2 s per step from t = 10 s on, the others 1 s (± batch noise).
    for (let t = 0; t <= 60_000; t += 5_000) {
      for (const rank of [0, 1, 2]) {
        const perStep = rank === 1 && t >= 10_000 ? 2 : 1 + (rank === 2 ? 0.1 : 0);
        for (const s of watch.observe('run', 3, rank, { steps: 5, seconds: 5 * perStep }, t).named) named.push([s.rank, t]);
      }
    }
    expect(named).toHaveLength(1);
    const [rank, at] = named[0]!;
    expect(rank).toBe(1);
    expect(at - 10_000).toBeLessThanOrEqual(30_000); // named within 30 s of slowing down
    expect(at - 10_000).toBeGreaterThanOrEqual(10_000); // not before it stayed slow for holdMs
    const { speeds } = watch.observe('run', 3, 0, { steps: 5, seconds: 5 }, 65_000);
    expect(speeds.get(1)).toBeCloseTo(0.5, 1);
    expect(speeds.get(0)).toBe(1);
  });

  it('does not name a rank for one slow report, nor before every rank reported, and names it again after it recovered', () => {
    const watch = new StragglerWatch({ threshold: 0.7, holdMs: 10_000, smoothing: 1 });
    expect(watch.observe('run', 2, 1, { steps: 5, seconds: 50 }, 0)).toEqual({ speeds: new Map(), named: [] }); // rank 0 not heard yet
    expect(watch.observe('run', 2, 0, { steps: 5, seconds: 5 }, 1_000).named).toEqual([]);
    expect(watch.observe('run', 2, 1, { steps: 5, seconds: 5 }, 2_000).named).toEqual([]); // recovered
    expect(watch.observe('run', 2, 1, { steps: 5, seconds: 20 }, 3_000).named).toEqual([]); // slow from 3 s
    expect(watch.observe('run', 2, 1, { steps: 5, seconds: 20 }, 13_000).named).toEqual([{ rank: 1, speed: 0.25, slowSince: 3_000 }]);
    expect(watch.observe('run', 2, 1, { steps: 5, seconds: 20 }, 20_000).named).toEqual([]);
    expect(watch.observe('run', 2, 1, { steps: 5, seconds: 5 }, 21_000).named).toEqual([]);
    expect(watch.observe('run', 2, 1, { steps: 5, seconds: 20 }, 22_000).named).toEqual([]);
    expect(watch.observe('run', 2, 1, { steps: 5, seconds: 20 }, 32_000).named.map((s) => s.rank)).toEqual([1]);
  });

  it("publishes a run's speeds at most every publishMs, but names a straggler at once", () => {
    const watch = new StragglerWatch({ threshold: 0.7, holdMs: 2_000, smoothing: 1, publishMs: 5_000 });
    const published: number[] = [];
    const named: number[] = [];
    // Two ranks report every 500 ms; rank 1 is slow from t = 1 s.
    for (let t = 0; t <= 12_000; t += 500)
      for (const rank of [0, 1]) {
        const verdict = watch.observe('run', 2, rank, { steps: 5, seconds: rank === 1 && t >= 1_000 ? 20 : 5 }, t);
        if (verdict.speeds.size > 0) published.push(t);
        named.push(...verdict.named.map(() => t));
      }
    expect(named).toEqual([3_000]);
    expect(published).toEqual([0, 3_000, 8_000]);
  });
});
