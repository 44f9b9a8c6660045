import { describe, expect, it } from 'vitest';
import type { ExperimentSpec } from '@orquesta/protocol';
import { draw, expandSearch } from './expand-search.js';

const base = {
  name: 'x',
  training: { seed: 7, max_steps: 10, eval_every_steps: 5 },
  optimizer: { lr: 1e-3, warmup_steps: 2 },
  model: { heads: 4 },
} as unknown as ExperimentSpec;

describe('search expansion', () => {
  it('gives one trial without a search section', () => {
    expect(expandSearch(base)).toEqual([{ overrides: {}, spec: base }]);
  });

  it('expands a grid to every combination, in order', () => {
    const spec = { ...base, search: { kind: 'grid', parameters: { 'optimizer.lr': [1e-4, 1e-3], 'model.heads': [2, 4] } } } as unknown as ExperimentSpec;
    expect(expandSearch(spec).map((t) => t.overrides)).toEqual([
      { 'model.heads': 2, 'optimizer.lr': 1e-4 },
      { 'model.heads': 2, 'optimizer.lr': 1e-3 },
      { 'model.heads': 4, 'optimizer.lr': 1e-4 },
      { 'model.heads': 4, 'optimizer.lr': 1e-3 },
    ]);
  });

  it('samples random points reproducibly from the seed, each value from its list', () => {
    const spec = {
      ...base,
      search: { kind: 'random', max_trials: 6, parameters: { 'optimizer.lr': [1e-4, 3e-4, 1e-3], 'model.heads': [2, 4, 8] } },
    } as unknown as ExperimentSpec;
    const first = expandSearch(spec);
    expect(first).toHaveLength(6);
    expect(expandSearch(spec)).toEqual(first);
    for (const t of first) {
      expect([1e-4, 3e-4, 1e-3]).toContain(t.spec.optimizer.lr);
      expect([2, 4, 8]).toContain(t.spec.model.heads);
      expect(t.spec.search).toBeUndefined();
      expect(t.overrides).toEqual({ 'model.heads': t.spec.model.heads, 'optimizer.lr': t.spec.optimizer.lr });
    }
    expect(new Set(first.map((t) => JSON.stringify(t.overrides))).size).toBeGreaterThan(1);
    const other = expandSearch({ ...spec, training: { ...spec.training, seed: 8 } });
    expect(other.map((t) => t.overrides)).not.toEqual(first.map((t) => t.overrides));
  });

  it('draws from ranges: log-uniform reals and integers, ends included, 10 trials by default', () => {
    const spec = {
      ...base,
      search: { kind: 'random', parameters: { 'optimizer.lr': { min: 1e-4, max: 1e-2, scale: 'log' }, 'optimizer.warmup_steps': { int: [1, 3] } } },
    } as unknown as ExperimentSpec;
    const trials = expandSearch(spec);
    expect(trials).toHaveLength(10);
    for (const t of trials) {
      expect(t.spec.optimizer.lr).toBeGreaterThanOrEqual(1e-4);
      expect(t.spec.optimizer.lr).toBeLessThanOrEqual(1e-2);
      expect(Number.isInteger(t.spec.optimizer.warmup_steps)).toBe(true);
      expect([1, 2, 3]).toContain(t.spec.optimizer.warmup_steps);
    }
  });

  it('log ranges spread over decades; linear ranges spread evenly', () => {
    let state = 0;
    const even = () => (state++ % 100) / 100 + 0.005; // 0.005, 0.015, ... 0.995
    const log = Array.from({ length: 100 }, () => draw({ min: 1e-4, max: 1e-2, scale: 'log' }, even) as number);
    expect(log.filter((x) => x < 1e-3)).toHaveLength(50); // half the draws in the first decade
    const linear = Array.from({ length: 100 }, () => draw({ min: 0, max: 1, scale: 'linear' }, even) as number);
    expect(linear.filter((x) => x < 0.5)).toHaveLength(50);
    expect(draw({ int: [5, 6] }, () => 0.9999)).toBe(6);
    expect(draw({ int: [5, 6] }, () => 0)).toBe(5);
  });

  it('asha with sampler grid runs each grid point once in a seeded order, trained to the search max_steps', () => {
    const spec = {
      ...base,
      search: {
        kind: 'asha',
        sampler: 'grid',
        max_steps: 20,
        min_steps: 5,
        reduction_factor: 2,
        metric: 'validation_loss',
        parameters: { 'optimizer.lr': [1e-4, 1e-3, 1e-2], 'model.heads': [2, 4] },
      },
    } as unknown as ExperimentSpec;
    const trials = expandSearch(spec);
    expect(trials).toHaveLength(6);
    const keys = trials.map((t) => JSON.stringify(t.overrides));
    expect(new Set(keys).size).toBe(6);
    expect(keys).not.toEqual(expandSearch({ ...spec, search: { ...spec.search, kind: 'grid' } } as ExperimentSpec).map((t) => JSON.stringify(t.overrides)));
    expect(trials.every((t) => t.spec.training.max_steps === 20)).toBe(true);
    expect(expandSearch({ ...spec, search: { ...spec.search, max_trials: 4 } } as ExperimentSpec)).toHaveLength(4);
  });
});
