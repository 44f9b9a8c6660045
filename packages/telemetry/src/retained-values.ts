/**
 * The latest value (or running sum) of one instrument per attribute set, read at each collection
 * (live-series.ts), and dropped with `forget` when what it describes has ended. An OpenTelemetry
 * instrument keeps every attribute set it ever saw; at thousands of trials that grows without end.
 */
import type { Attributes } from '@opentelemetry/api';
import { ScopedSeries } from './scoped-series.js';

export class RetainedValues {
  private readonly series = new ScopedSeries<{ readonly attributes: Attributes; value: number }>();

  set(value: number, attributes: Attributes): void {
    this.series.upsert(attributes, () => ({ attributes, value })).value = value;
  }

  add(delta: number, attributes: Attributes): void {
    this.series.upsert(attributes, () => ({ attributes, value: 0 })).value += delta;
  }

  /** Drops every attribute set that holds all of `match`'s attributes. */
  forget(match: Attributes): void {
    this.series.forget(match);
  }

  get size(): number {
    return this.series.size;
  }

  /** Every series now. */
  points(): Iterable<{ readonly attributes: Attributes; readonly value: number }> {
    return this.series.values();
  }
}
