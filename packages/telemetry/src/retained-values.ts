/**
 * The latest value (or running sum) of one instrument per attribute set, read by an observable
 * instrument at each collection, and dropped with `forget` when what it describes has ended. A
 * synchronous OpenTelemetry instrument keeps every attribute set it ever saw; at thousands of trials
 * that grows without end (and past the SDK's cardinality limit, new series silently overflow).
 */
import type { Attributes, ObservableResult } from '@opentelemetry/api';

export class RetainedValues {
  private readonly values = new Map<string, { readonly attributes: Attributes; value: number }>();

  set(value: number, attributes: Attributes): void {
    const key = keyOf(attributes);
    const entry = this.values.get(key);
    if (entry) entry.value = value;
    else this.values.set(key, { attributes, value });
  }

  add(delta: number, attributes: Attributes): void {
    const key = keyOf(attributes);
    const entry = this.values.get(key);
    if (entry) entry.value += delta;
    else this.values.set(key, { attributes, value: delta });
  }

  /** Drops every attribute set that holds all of `match`'s attributes. */
  forget(match: Attributes): void {
    const pairs = Object.entries(match);
    for (const [key, entry] of this.values) if (pairs.every(([k, v]) => entry.attributes[k] === v)) this.values.delete(key);
  }

  get size(): number {
    return this.values.size;
  }

  observe = (result: ObservableResult): void => {
    for (const { attributes, value } of this.values.values()) result.observe(value, attributes);
  };
}

function keyOf(attributes: Attributes): string {
  return Object.keys(attributes)
    .sort()
    .map((k) => `${k}=${String(attributes[k])}`)
    .join('\u0000');
}
