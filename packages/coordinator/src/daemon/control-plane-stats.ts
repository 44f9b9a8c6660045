/**
 * The control plane's own figures, for operators (`GET /api/stats`) and the control-plane benchmark:
 * each scheduling pass's duration with the queue and cluster it saw, and each heartbeat's lag (the
 * coordinator's wall clock when it handled the heartbeat minus the agent's `sentAt`; meaningful when
 * the clocks agree, as under NTP). The last `capacity` samples of each kind are kept in memory, and
 * quantiles of every one since the start (`sinceStart`, within 2 %: log-histogram.ts).
 */
import { LogHistogram } from './log-histogram.js';

/** One scheduling pass. */
export interface PassSample {
  /** Epoch ms the pass started. */
  readonly at: number;
  /** Its duration (the scheduler's decisions and writing them), ms. */
  readonly ms: number;
  /** Trials waiting (queued, preempted) and running or scheduled, as the pass saw them. */
  readonly pending: number;
  readonly active: number;
  /** Alive agents and their slots. */
  readonly agents: number;
  readonly slots: number;
}

export interface Quantiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface StatsSnapshot {
  /** Scheduling pass durations, ms, over the kept samples (`total` counts every pass since start). */
  readonly scheduling: Quantiles & { readonly total: number; readonly sinceStart: Quantiles; readonly samples?: readonly PassSample[] };
  /** Heartbeat lag, ms, over the kept samples. */
  readonly heartbeatLag: Quantiles & { readonly total: number; readonly sinceStart: Quantiles };
}

export class ControlPlaneStats {
  private readonly passes: Ring<PassSample>;
  private readonly lags: Ring<number>;
  private readonly allPasses = new LogHistogram();
  private readonly allLags = new LogHistogram();

  /** @param capacity samples kept of each kind. Defaults to 10,000. */
  constructor(capacity = 10_000) {
    this.passes = new Ring(capacity);
    this.lags = new Ring(capacity);
  }

  recordPass(sample: PassSample): void {
    this.passes.push(sample);
    this.allPasses.record(sample.ms);
  }

  recordHeartbeatLag(ms: number): void {
    this.lags.push(ms);
    this.allLags.record(ms);
  }

  /** @param samples include every kept pass sample, oldest first (for plots). */
  snapshot(samples = false): StatsSnapshot {
    const passes = this.passes.items();
    return {
      scheduling: {
        ...quantiles(passes.map((p) => p.ms)),
        total: this.passes.total,
        sinceStart: this.allPasses.quantiles(),
        ...(samples ? { samples: passes } : {}),
      },
      heartbeatLag: { ...quantiles(this.lags.items()), total: this.lags.total, sinceStart: this.allLags.quantiles() },
    };
  }
}

/** The last `capacity` items pushed. */
class Ring<T> {
  private readonly buffer: T[] = [];
  /** Items ever pushed. */
  total = 0;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    this.buffer[this.total % this.capacity] = item;
    this.total++;
  }

  items(): T[] {
    if (this.total <= this.capacity) return [...this.buffer];
    const start = this.total % this.capacity;
    return [...this.buffer.slice(start), ...this.buffer.slice(0, start)];
  }
}

/** Nearest-rank quantiles of `values` (0 for none), rounded to 0.01. */
export function quantiles(values: readonly number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const round = (x: number) => Math.round(x * 100) / 100;
  return { count: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) };
}
