/**
 * Stragglers of synchronous data-parallel runs. Every rank reports the compute seconds (forward and
 * backward) of the steps since its previous report; a rank's speed is the fastest rank's mean compute
 * seconds per step divided by its own (1 = as fast as the fastest, 0.5 = twice as slow; NVIDIA's
 * resiliency library scores ranks the same way), smoothed over reports. Waiting for peers is not
 * compute, so the ranks a straggler holds up keep their speed. A rank whose speed stays below
 * `threshold` for `holdMs` is named once (until it recovers). Pure: time comes in with each report.
 */
export interface StragglerOptions {
  /** Speed below which a rank is slow. */
  readonly threshold: number;
  /** How long a rank must stay slow before it is named, ms. */
  readonly holdMs: number;
  /** Weight of the newest report in a rank's smoothed compute seconds per step (1 = no smoothing). */
  readonly smoothing: number;
  /**
   * How often a run's speeds are published (its metric series and `orquesta status`), ms: a 64-rank
   * run reports many times a second, and each publication writes every rank's speed. Absent: at every
   * report. Naming a straggler is not delayed by it.
   */
  readonly publishMs?: number;
}

export const DEFAULT_STRAGGLER_OPTIONS: StragglerOptions = { threshold: 0.7, holdMs: 10_000, smoothing: 0.5, publishMs: 5_000 };

/** A rank named as a straggler. */
export interface Straggler {
  readonly rank: number;
  readonly speed: number;
  /** Since when it has been slow, ms (the clock of the reports). */
  readonly slowSince: number;
}

/** Every rank's speed once all have reported and when due (options.publishMs; else empty), and the ranks named by this report. */
export interface StragglerVerdict {
  readonly speeds: ReadonlyMap<number, number>;
  readonly named: readonly Straggler[];
}

interface RankState {
  perStep: number;
  slowSince: number | undefined;
  named: boolean;
}

export class StragglerWatch {
  private readonly runs = new Map<string, Map<number, RankState>>();
  /** When each run's speeds were last published, ms. */
  private readonly published = new Map<string, number>();

  constructor(private readonly options: StragglerOptions = DEFAULT_STRAGGLER_OPTIONS) {}

  /** Rank `rank` of `run` (of `ranks` ranks) computed `window.steps` steps in `window.seconds` seconds, reported at `now`. */
  observe(run: string, ranks: number, rank: number, window: { readonly steps: number; readonly seconds: number }, now: number): StragglerVerdict {
    const { steps, seconds } = window;
    if (steps <= 0 || !(seconds >= 0)) return { speeds: new Map(), named: [] };
    let states = this.runs.get(run);
    if (states === undefined) this.runs.set(run, (states = new Map()));
    const perStep = seconds / steps;
    const state = states.get(rank);
    if (state === undefined) states.set(rank, { perStep, slowSince: undefined, named: false });
    else state.perStep = this.options.smoothing * perStep + (1 - this.options.smoothing) * state.perStep;
    if (states.size < ranks) return { speeds: new Map(), named: [] };
    const fastest = Math.min(...[...states.values()].map((s) => s.perStep));
    const speeds = new Map<number, number>();
    const named: Straggler[] = [];
    for (const [r, s] of states) {
      const speed = s.perStep > 0 ? fastest / s.perStep : 1;
      speeds.set(r, speed);
      if (speed >= this.options.threshold) {
        s.slowSince = undefined;
        s.named = false;
        continue;
      }
      s.slowSince ??= now;
      if (!s.named && now - s.slowSince >= this.options.holdMs) {
        s.named = true;
        named.push({ rank: r, speed, slowSince: s.slowSince });
      }
    }
    const last = this.published.get(run);
    if (named.length === 0 && last !== undefined && now - last < (this.options.publishMs ?? 0)) return { speeds: new Map(), named };
    this.published.set(run, now);
    return { speeds, named };
  }

  /** Forgets a finished run. */
  forget(run: string): void {
    this.runs.delete(run);
    this.published.delete(run);
  }
}
