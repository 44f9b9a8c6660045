import { describe, expect, it } from 'vitest';
import { learningRate } from './lr-schedule.js';

describe('learningRate', () => {
  const base = { lr: 1e-3, warmup_steps: 100 };

  it('warms up linearly to the peak', () => {
    expect(learningRate({ ...base, schedule: 'inverse_sqrt' }, 1000, 1)).toBeCloseTo(1e-5, 12);
    expect(learningRate({ ...base, schedule: 'inverse_sqrt' }, 1000, 50)).toBeCloseTo(5e-4, 12);
    expect(learningRate({ ...base, schedule: 'cosine' }, 1000, 100)).toBeCloseTo(1e-3, 12);
  });

  it('decays as 1/sqrt(step) after warmup (inverse_sqrt)', () => {
    expect(learningRate({ ...base, schedule: 'inverse_sqrt' }, 1000, 400)).toBeCloseTo(5e-4, 12);
  });

  it('follows half a cosine to zero at max_steps (cosine)', () => {
    expect(learningRate({ ...base, schedule: 'cosine' }, 1100, 600)).toBeCloseTo(5e-4, 12);
    expect(learningRate({ ...base, schedule: 'cosine' }, 1100, 1100)).toBeCloseTo(0, 12);
  });

  it('stays at the peak (constant) and is 0 before the first step', () => {
    expect(learningRate({ ...base, schedule: 'constant' }, 1000, 999)).toBe(1e-3);
    expect(learningRate({ ...base, schedule: 'constant' }, 1000, 0)).toBe(0);
  });
});
