import { describe, expect, it } from 'vitest';
import { DataConfigError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { planBatch, planSize, type EpochPlan } from './epoch-plan.js';
import { planTokenBatches } from './token-budget-plan.js';

/** Skewed lengths like real sentence pairs: mostly short, a long tail. */
function lengths(n: number, seed = 5): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => 3 + Math.min(rng.below(12) + rng.below(12) + (rng.below(10) === 0 ? rng.below(30) : 0), 60));
}

function batches(plan: EpochPlan): Int32Array[] {
  return Array.from({ length: planSize(plan) }, (_, j) => planBatch(plan, j));
}

function checkBudget(plan: EpochPlan, len: Int32Array, budget: number): void {
  for (const b of batches(plan)) {
    const maxLen = Math.max(...[...b].map((i) => len[i] as number));
    expect(b.length * maxLen).toBeLessThanOrEqual(budget);
  }
}

describe('planTokenBatches', () => {
  const len = lengths(5000);

  it('puts every pair in exactly one batch within the token budget, padding counted', () => {
    const plan = planTokenBatches(len, 300, 1, new Rng(1, 0));
    expect(plan.dropped).toBe(0);
    expect([...plan.items].sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    checkBudget(plan, len, 300);
    // Length buckets: batches are nearly full.
    const used = batches(plan).reduce((n, b) => n + b.length * Math.max(...[...b].map((i) => len[i] as number)), 0);
    expect(used / (planSize(plan) * 300)).toBeGreaterThan(0.85);
  });

  it.each([1, 2, 3, 4, 5, 7])('makes the batch count a multiple of %i ranks without dropping pairs', (worldSize) => {
    for (const n of [37, 1000, 5000]) {
      const plan = planTokenBatches(len.subarray(0, n), 300, worldSize, new Rng(9, 2));
      expect(planSize(plan) % worldSize).toBe(0);
      expect(plan.dropped).toBe(0);
      expect(plan.items).toHaveLength(n);
      checkBudget(plan, len, 300);
    }
  });

  it('is a pure function of the generator: same seed and epoch, same plan; another epoch, another order', () => {
    const a = planTokenBatches(len, 300, 2, new Rng(1, 0));
    expect(planTokenBatches(len, 300, 2, new Rng(1, 0))).toEqual(a);
    const b = planTokenBatches(len, 300, 2, new Rng(1, 1));
    expect([...b.starts]).not.toEqual([...a.starts]);
  });

  it('without a generator keeps corpus order within a length and batches short to long (evaluation)', () => {
    const plan = planTokenBatches(Int32Array.from([5, 3, 5, 3, 9]), 10, 1);
    expect(batches(plan).map((b) => [...b])).toEqual([[1, 3], [0, 2], [4]]);
  });

  it('drops the surplus only when fewer pairs than ranks need', () => {
    const plan = planTokenBatches(Int32Array.from([4, 4, 4]), 4, 2);
    expect(planSize(plan)).toBe(2);
    expect(plan.dropped).toBe(1);
  });

  it('rejects a budget below the longest pair', () => {
    expect(() => planTokenBatches(Int32Array.from([3, 65]), 64, 1)).toThrow(DataConfigError);
    expect(() => planTokenBatches(Int32Array.from([3, 65]), 64, 1)).toThrow(/longest pair \(65 tokens/);
  });
});
