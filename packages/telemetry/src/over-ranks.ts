/**
 * A value every rank of a trial reports (memory, seconds per step in a phase, bytes sent), exposed
 * one series per trial: each rank's latest value (or running sum, with `add`) is kept and a
 * collection observes their mean, max, min or sum. The series are the attributes without `rank` and
 * `node`, so they grow with running trials, not ranks (at 1,000 agents of 8 GPUs, per-rank series
 * would be tens of thousands per instrument). `forget` drops a trial's series when its run ends, as
 * `RetainedValues` does.
 */
import type { Attributes } from '@opentelemetry/api';
import { ScopedSeries } from './scoped-series.js';

/** How a trial's ranks' values become its one value. */
export const OVER_RANKS = { mean: 'mean', max: 'max', min: 'min', sum: 'sum' } as const;
export type OverRanksReduction = (typeof OVER_RANKS)[keyof typeof OVER_RANKS];

export class OverRanks {
  private readonly series = new ScopedSeries<{ readonly attributes: Attributes; readonly ranks: Map<string, number> }>();

  constructor(private readonly reduction: OverRanksReduction) {}

  /** A rank's latest value; `attributes` name the rank (`rank`; `node` is dropped too). */
  set(value: number, attributes: Attributes): void {
    this.ranksOf(attributes).set(String(attributes['rank']), value);
  }

  /** Adds to a rank's running sum. */
  add(delta: number, attributes: Attributes): void {
    const ranks = this.ranksOf(attributes);
    const rank = String(attributes['rank']);
    ranks.set(rank, (ranks.get(rank) ?? 0) + delta);
  }

  /** Drops every series whose attributes hold all of `match`'s. */
  forget(match: Attributes): void {
    this.series.forget(match);
  }

  get size(): number {
    return this.series.size;
  }

  /** Every trial's value now. */
  *points(): Iterable<{ readonly attributes: Attributes; readonly value: number }> {
    for (const { attributes, ranks } of this.series.values()) yield { attributes, value: reduce(this.reduction, ranks.values(), ranks.size) };
  }

  private ranksOf(attributes: Attributes): Map<string, number> {
    const { rank: _rank, node: _node, ...trial } = attributes;
    return this.series.upsert(trial, () => ({ attributes: trial, ranks: new Map() })).ranks;
  }
}

function reduce(reduction: OverRanksReduction, values: Iterable<number>, count: number): number {
  let acc = reduction === OVER_RANKS.max ? -Infinity : reduction === OVER_RANKS.min ? Infinity : 0;
  for (const v of values) acc = reduction === OVER_RANKS.max ? Math.max(acc, v) : reduction === OVER_RANKS.min ? Math.min(acc, v) : acc + v;
  return reduction === OVER_RANKS.mean ? acc / count : acc;
}
