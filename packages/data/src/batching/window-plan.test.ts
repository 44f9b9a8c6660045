import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { planSize } from './epoch-plan.js';
import { minWindowBatches, planWindows } from './window-plan.js';

describe('planWindows', () => {
  it('cuts non-overlapping windows with room for the shifted target, in full batches divisible by the ranks', () => {
    for (let epoch = 0; epoch < 20; epoch++) {
      const plan = planWindows(1000, 16, 4, 3, new Rng(1, epoch));
      const starts = [...plan.items].sort((a, b) => a - b);
      const offset = (starts[0] as number) % 16;
      for (const s of starts) {
        expect((s - offset) % 16).toBe(0);
        expect(s + 16 + 1).toBeLessThanOrEqual(1000);
      }
      expect(new Set(starts).size).toBe(starts.length);
      expect(planSize(plan) % 3).toBe(0);
      expect(planSize(plan)).toBeGreaterThanOrEqual(Math.floor(minWindowBatches(1000, 16, 4) / 3) * 3);
      expect(plan.items.length + plan.dropped).toBe(Math.floor((1000 - 1 - offset) / 16));
    }
  });

  it('moves window borders between epochs and keeps stream order without a generator', () => {
    const offsets = new Set(Array.from({ length: 20 }, (_, e) => Math.min(...planWindows(1000, 16, 4, 1, new Rng(1, e)).items) % 16));
    expect(offsets.size).toBeGreaterThan(5);
    expect([...planWindows(100, 10, 3, 1).items]).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80]);
  });
});
