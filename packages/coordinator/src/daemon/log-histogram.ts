/**
 * Quantiles of every value ever recorded in constant memory: values (ms, >= 0) fall in buckets whose
 * bounds grow by 2 %, so a quantile is exact to within 2 % (values under 1 share one bucket); the
 * maximum is exact. For the control plane's figures over hours, where a ring of recent samples would
 * forget the spikes.
 */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

export class LogHistogram {
  private readonly counts = new Map<number, number>();
  private n = 0;
  private largest = 0;

  record(value: number): void {
    const bucket = value < 1 ? 0 : 1 + Math.floor(Math.log(value) / LOG_GROWTH);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.n++;
    this.largest = Math.max(this.largest, value);
  }

  /** p50, p99 (each bucket's upper bound, at most the maximum) and the exact maximum; zeros when empty. */
  quantiles(): { count: number; p50: number; p99: number; max: number } {
    const buckets = [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
    const at = (q: number): number => {
      const rank = Math.max(1, Math.ceil(q * this.n));
      let seen = 0;
      for (const [bucket, count] of buckets) {
        seen += count;
        if (seen >= rank) return Math.min(this.largest, bucket === 0 ? 1 : GROWTH ** bucket);
      }
      return 0;
    };
    const round = (x: number) => Math.round(x * 100) / 100;
    return { count: this.n, p50: round(at(0.5)), p99: round(at(0.99)), max: round(this.largest) };
  }
}
