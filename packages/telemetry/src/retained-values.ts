/**
 * The latest value (or running sum) of one instrument per attribute set, read by an observable
 * instrument at each collection, and dropped with `forget` when what it describes has ended. A
 * synchronous OpenTelemetry instrument keeps every attribute set it ever saw; at thousands of trials
 * that grows without end (and past the SDK's cardinality limit, new series silently overflow).
 */
import type { Attributes, ObservableResult } from '@opentelemetry/api';
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

  observe = (result: ObservableResult): void => {
    for (const { attributes, value } of this.series.values()) result.observe(value, attributes);
  };
}
