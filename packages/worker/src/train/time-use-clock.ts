/**
 * Where this worker's wall time goes, for goodput: the worker is always doing exactly one thing
 * (`TimeUseKind`), and the clock adds the time between two `enter` calls to the thing it was doing.
 * The clock starts at the process's start (performance.now() 0), in `startup`.
 *
 *   startup --enter(steps)--> steps <--> other / evaluation / checkpoint
 */
import type { TimeUse } from '@orquesta/protocol';

export type TimeUseKind = keyof TimeUse;

export class TimeUseClock {
  private readonly totals: Record<TimeUseKind, number> = { startup: 0, steps: 0, evaluation: 0, checkpoint: 0, other: 0 };
  private current: TimeUseKind;
  /** ms (performance.now) when `current` began. */
  private since: number;

  /** `now` in ms since the process started (performance.now). */
  constructor(private readonly now: () => number = () => performance.now()) {
    this.current = 'startup';
    this.since = 0;
  }

  /** From now on the worker does `kind`. */
  enter(kind: TimeUseKind): void {
    const t = this.now();
    this.totals[this.current] += (t - this.since) / 1000;
    this.current = kind;
    this.since = t;
  }

  /**
   * Starts counting again from now, in `other` (peer recovery: the coordinator counts the time up to the
   * recovery itself and opens a new goodput segment there).
   */
  reset(): void {
    for (const k of Object.keys(this.totals) as TimeUseKind[]) this.totals[k] = 0;
    this.current = 'other';
    this.since = this.now();
  }

  /** Seconds per kind so far (the running one included); they sum to the process's age. */
  read(): TimeUse {
    const open = (this.now() - this.since) / 1000;
    return { ...this.totals, [this.current]: this.totals[this.current] + open };
  }
}
