import { describe, expect, it } from 'vitest';
import type { ExperimentSpec } from '@orquesta/protocol';
import { expandSearch } from './expand-search.js';

const base = { name: 'x', training: { seed: 7, max_steps: 10 }, optimizer: { lr: 1e-3 }, model: { heads: 4 } } as unknown as ExperimentSpec;

describe('search expansion', () => {
  it('gives one trial without a search section', () => {
    expect(expandSearch(base)).toEqual([{ overrides: {}, spec: base }]);
  });

  it('samples random points reproducibly from the seed, each value from its list', () => {
    const spec = {
      ...base,
      search: { kind: 'random', trials: 6, parameters: { 'optimizer.lr': [1e-4, 3e-4, 1e-3], 'model.heads': [2, 4, 8] } },
    } as ExperimentSpec;
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
});
