/**
 * A spec with a `search` section becomes one trial per point: every combination for `grid`, or
 * `search.trials` points drawn with the spec's seed for `random` (the same spec always yields the
 * same trials). Each trial's spec is the original with the point's values set and no search section.
 * Values were validated field by field when the spec was loaded.
 */
import { mulberry32 } from '@orquesta/data';
import type { ExperimentSpec } from '@orquesta/protocol';
import { setIn } from '@orquesta/spec';

export interface TrialPlan {
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly spec: ExperimentSpec;
}

export function expandSearch(spec: Readonly<ExperimentSpec>): TrialPlan[] {
  const search = spec.search;
  const base = structuredClone(spec) as ExperimentSpec;
  delete base.search;
  if (!search) return [{ overrides: {}, spec: base }];
  const fields = Object.keys(search.parameters).sort();
  const values = fields.map((f) => search.parameters[f] as readonly unknown[]);
  const points: Record<string, unknown>[] = [];
  if (search.kind === 'grid') {
    const total = values.reduce((n, v) => n * v.length, 1);
    for (let i = 0; i < total; i++) {
      let rest = i;
      const point: Record<string, unknown> = {};
      for (let f = fields.length - 1; f >= 0; f--) {
        const options = values[f] as readonly unknown[];
        point[fields[f] as string] = options[rest % options.length];
        rest = Math.floor(rest / options.length);
      }
      points.push(point);
    }
  } else {
    const random = mulberry32(spec.training.seed);
    for (let t = 0; t < (search.trials ?? 10); t++) {
      const point: Record<string, unknown> = {};
      fields.forEach((f, i) => {
        const options = values[i] as readonly unknown[];
        point[f] = options[Math.floor(random() * options.length)];
      });
      points.push(point);
    }
  }
  return points.map((overrides) => {
    const trial = structuredClone(base) as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(overrides)) setIn(trial, field.split('.'), value);
    return { overrides, spec: trial as unknown as ExperimentSpec };
  });
}
