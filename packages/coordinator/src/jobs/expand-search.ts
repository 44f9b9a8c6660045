/**
 * A spec with a `search` section becomes one trial per point, drawn with the spec's seed (the same
 * spec always yields the same trials):
 *   grid    every combination of the listed values, in order;
 *   random  max_trials points, each field drawn from its list or range;
 *   asha    like random (sampler random), or every grid point in a seeded random order (sampler
 *           grid, up to max_trials); each trial trains to the search's max_steps unless ASHA stops it.
 * Each trial's spec is the original with the point's values set and no search section. Values were
 * validated field by field when the spec was loaded.
 */
import { mulberry32 } from '@orquesta/data';
import type { ExperimentSpec, SearchSpec, SearchValues } from '@orquesta/protocol';
import { ashaRungs, setIn } from '@orquesta/spec';

export interface TrialPlan {
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly spec: ExperimentSpec;
}

/** Trials a random search (or asha with sampler random) runs when max_trials is not set. */
export const DEFAULT_MAX_TRIALS = 10;

export function expandSearch(spec: Readonly<ExperimentSpec>): TrialPlan[] {
  const search = spec.search;
  const base = structuredClone(spec) as ExperimentSpec;
  delete base.search;
  if (!search) return [{ overrides: {}, spec: base }];
  if (search.kind === 'asha') {
    const rungs = ashaRungs(search, spec.training);
    if (rungs.ok) base.training.max_steps = rungs.rungs.maxSteps;
  }
  const random = mulberry32(spec.training.seed);
  return searchPoints(search, random).map((overrides) => {
    const trial = structuredClone(base) as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(overrides)) setIn(trial, field.split('.'), value);
    return { overrides, spec: trial as unknown as ExperimentSpec };
  });
}

function searchPoints(search: SearchSpec, random: () => number): Record<string, unknown>[] {
  const fields = Object.keys(search.parameters).sort();
  const values = fields.map((f) => search.parameters[f] as SearchValues);
  if (search.kind === 'grid') return gridPoints(fields, values as (readonly unknown[])[]);
  if (search.kind === 'asha' && search.sampler === 'grid') {
    const points = gridPoints(fields, values as (readonly unknown[])[]);
    // Fisher-Yates with the seed: the order trials start in matters to asynchronous ASHA.
    for (let i = points.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [points[i], points[j]] = [points[j] as Record<string, unknown>, points[i] as Record<string, unknown>];
    }
    return points.slice(0, search.max_trials ?? points.length);
  }
  return Array.from({ length: search.max_trials ?? DEFAULT_MAX_TRIALS }, () =>
    Object.fromEntries(fields.map((f, i) => [f, draw(values[i] as SearchValues, random)])),
  );
}

function gridPoints(fields: readonly string[], values: readonly (readonly unknown[])[]): Record<string, unknown>[] {
  const total = values.reduce((n, v) => n * v.length, 1);
  const points: Record<string, unknown>[] = [];
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
  return points;
}

/** One value of a field: a list entry, an integer in [a, b], or a real in [min, max] (4 significant digits). */
export function draw(values: SearchValues, random: () => number): unknown {
  const r = random();
  if (Array.isArray(values)) return values[Math.floor(r * values.length)];
  if ('int' in values) {
    const [low, high] = values.int;
    return low + Math.floor(r * (high - low + 1));
  }
  const { min, max, scale } = values as Exclude<SearchValues, readonly unknown[] | { int: unknown }>;
  const x = scale === 'log' ? Math.exp(Math.log(min) + r * (Math.log(max) - Math.log(min))) : min + r * (max - min);
  return Math.min(max, Math.max(min, Number(x.toPrecision(4))));
}
