/**
 * The rungs of an ASHA search, resolved from its spec: a trial is judged at each rung's step (rung k
 * ends at min_steps * reduction_factor^k, below max_steps) and trained to max_steps if it is never
 * stopped. Every rung is a multiple of training.eval_every_steps, so each trial has a validation
 * result at exactly that step.
 */
import type { ExperimentSpec, SearchSpec } from '@orquesta/protocol';

export interface AshaRungs {
  /** Steps of an unstopped trial (its training.max_steps). */
  readonly maxSteps: number;
  /** The step of each rung, ascending, all below maxSteps. */
  readonly steps: readonly number[];
  /** 1 in this many trials goes on past a rung (eta). */
  readonly reductionFactor: number;
  readonly metric: SearchSpec['metric'];
}

/** What is wrong with the spec's ASHA settings, or the rungs. `field` is under `search`. */
export type AshaRungsResult = { ok: true; rungs: AshaRungs } | { ok: false; field: 'min_steps' | 'max_steps'; message: string };

export function ashaRungs(search: SearchSpec, training: ExperimentSpec['training']): AshaRungsResult {
  const maxSteps = search.max_steps ?? training.max_steps;
  const eta = search.reduction_factor;
  const every = training.eval_every_steps;
  const minSteps = search.min_steps ?? Math.floor(maxSteps / eta ** 2 / every) * every;
  if (minSteps === 0)
    return {
      ok: false,
      field: 'max_steps',
      message: `max_steps ${maxSteps} / reduction_factor ${eta}^2 is below training.eval_every_steps ${every}, so the first rung has no evaluation; set search.min_steps or evaluate more often`,
    };
  if (minSteps % every !== 0)
    return {
      ok: false,
      field: 'min_steps',
      message: `min_steps ${minSteps} is not a multiple of training.eval_every_steps ${every}; a rung is judged on the validation result at its step`,
    };
  if (minSteps >= maxSteps)
    return { ok: false, field: 'min_steps', message: `min_steps ${minSteps} must be below max_steps ${maxSteps}, or no trial is ever judged` };
  const steps: number[] = [];
  for (let step = minSteps; step < maxSteps; step *= eta) steps.push(step);
  return { ok: true, rungs: { maxSteps, steps, reductionFactor: eta, metric: search.metric } };
}
