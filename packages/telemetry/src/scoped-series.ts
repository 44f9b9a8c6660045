/**
 * Series by attribute set, grouped by the run they describe (the attributes `experiment_id` and
 * `trial`), so that dropping a finished trial's series costs its own series, not a scan of every
 * running trial's (a thousand trials end every few minutes on a large cluster).
 */
import type { Attributes } from '@opentelemetry/api';

export class ScopedSeries<T extends { readonly attributes: Attributes }> {
  private readonly scopes = new Map<string, Map<string, T>>();

  /** The series of `attributes`, made by `make` the first time. */
  upsert(attributes: Attributes, make: () => T): T {
    const scope = scopeOf(attributes);
    let series = this.scopes.get(scope);
    if (series === undefined) this.scopes.set(scope, (series = new Map()));
    const key = keyOf(attributes);
    let entry = series.get(key);
    if (entry === undefined) series.set(key, (entry = make()));
    return entry;
  }

  /** Drops every series whose attributes hold all of `match`'s (one trial's when `match` names `experiment_id` and `trial`). */
  forget(match: Attributes): void {
    const scoped = 'experiment_id' in match && 'trial' in match;
    const scopes = scoped ? [scopeOf(match)] : [...this.scopes.keys()];
    for (const scope of scopes) {
      const series = this.scopes.get(scope);
      if (series === undefined) continue;
      for (const [key, entry] of series) if (holdsAll(entry.attributes, match)) series.delete(key);
      if (series.size === 0) this.scopes.delete(scope);
    }
  }

  *values(): IterableIterator<T> {
    for (const series of this.scopes.values()) yield* series.values();
  }

  get size(): number {
    let n = 0;
    for (const series of this.scopes.values()) n += series.size;
    return n;
  }
}

function scopeOf(attributes: Attributes): string {
  return `${String(attributes['experiment_id'])}\u0000${String(attributes['trial'])}`;
}

/** Whether `attributes` holds every attribute of `match` with the same value. */
function holdsAll(attributes: Attributes, match: Attributes): boolean {
  for (const k in match) if (attributes[k] !== match[k]) return false;
  return true;
}

/** One string per attribute set, whatever the order of its keys. */
function keyOf(attributes: Attributes): string {
  return Object.keys(attributes)
    .sort()
    .map((k) => `${k}=${String(attributes[k])}`)
    .join('\u0000');
}
