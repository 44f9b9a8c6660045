/**
 * A binary max-heap of (count, pair key) entries, the priority queue of BPE training. Order:
 * higher count first; equal counts by lower key, so the result never depends on insertion order.
 * Entries are not updated in place: the trainer pushes a fresh entry when a count grows and
 * re-checks an entry's count when it pops (lazy invalidation).
 */
export class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    this.siftUp(this.keys.length - 1);
  }

  /** Removes and returns the top entry, or undefined when empty. */
  pop(): { count: number; key: number } | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const top = { count: this.counts[0] as number, key: this.keys[0] as number };
    const lastCount = this.counts.pop() as number;
    const lastKey = this.keys.pop() as number;
    if (n > 1) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      this.siftDown(0);
    }
    return top;
  }

  /** Whether entry i should sit above entry j. */
  private above(i: number, j: number): boolean {
    const ci = this.counts[i] as number;
    const cj = this.counts[j] as number;
    return ci > cj || (ci === cj && (this.keys[i] as number) < (this.keys[j] as number));
  }

  private swap(i: number, j: number): void {
    const c = this.counts[i] as number;
    this.counts[i] = this.counts[j] as number;
    this.counts[j] = c;
    const k = this.keys[i] as number;
    this.keys[i] = this.keys[j] as number;
    this.keys[j] = k;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const best = right < n && this.above(right, left) ? right : left;
      if (!this.above(best, i)) return;
      this.swap(i, best);
      i = best;
    }
  }
}
