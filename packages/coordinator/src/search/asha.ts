/**
 * Asynchronous successive halving (ASHA, Li et al., MLSys 2020), in the stop-once form Determined and
 * Ray use: every trial starts; when one reaches a rung (its validation result at the rung's step),
 * it goes on only if it ranks among the best max(1, floor(n / eta)) of the n results recorded at that
 * rung so far, itself included; otherwise it stops there, at a checkpoint, for good. Nothing ever
 * waits for a rung to fill: the first trial at a rung always goes on, and a slot freed by a stop
 * takes the next queued trial.
 *
 * Pure: the results come from the store, the verdict goes back to it.
 */
import type { AshaRungs } from '@orquesta/spec';

/** A trial's result at a rung: lower is better (validation loss, or minus BLEU). */
export interface RungResult {
  readonly trialId: number;
  /** 0-based rung index. */
  readonly rung: number;
  /** The step the result was measured at (the rung's step, or the first evaluation after it). */
  readonly step: number;
  readonly value: number;
  readonly verdict: AshaVerdict;
}

export type AshaVerdict = 'continue' | 'stop';

export interface AshaDecision {
  /** The result to record. */
  readonly result: RungResult;
  /** 1-based rank among the rung's results, ties going to the earlier. */
  readonly rank: number;
  /** Results at the rung, this one included. */
  readonly of: number;
  /** How many of them go on: max(1, floor(of / eta)). */
  readonly keep: number;
}

/**
 * What a validation result at `step` decides for a trial of an ASHA search, or undefined when it
 * decides nothing: before the first rung, past the top rung, at a rung already judged (or a higher
 * one), or for a trial resumed by hand after a stop (it runs to the end).
 * @param results every result recorded for the search so far, in the order they were recorded.
 */
export function ashaDecide(rungs: AshaRungs, results: readonly RungResult[], trialId: number, step: number, value: number): AshaDecision | undefined {
  const own = results.filter((r) => r.trialId === trialId);
  if (own.some((r) => r.verdict === 'stop')) return undefined;
  let rung = -1;
  for (let k = rungs.steps.length - 1; k >= 0; k--)
    if (step >= (rungs.steps[k] as number)) {
      rung = k;
      break;
    }
  if (rung < 0 || own.some((r) => r.rung >= rung)) return undefined;
  const before = results.filter((r) => r.rung === rung).map((r) => r.value);
  // Ties go to the earlier result: earlier equal results rank above this one.
  const rank = 1 + before.filter((v) => v <= value).length;
  const of = before.length + 1;
  const keep = Math.max(1, Math.floor(of / rungs.reductionFactor));
  return { result: { trialId, rung, step, value, verdict: rank <= keep ? 'continue' : 'stop' }, rank, of, keep };
}

/**
 * The figure a trial is ranked by (lower is better) from its validation report: a diverged loss (NaN,
 * infinite) ranks last; undefined when the report lacks BLEU that the search ranks by.
 */
export function rankedValue(metric: AshaRungs['metric'], evaluation: { readonly loss: number; readonly bleu?: number | undefined }): number | undefined {
  if (metric === 'bleu') return evaluation.bleu === undefined ? undefined : -evaluation.bleu;
  return Number.isFinite(evaluation.loss) ? evaluation.loss : Number.POSITIVE_INFINITY;
}
