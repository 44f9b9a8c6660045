import type { Clock, TimerHandle } from './clock.js';

export interface WatchdogHandlers {
  /** Half the timeout passed without progress: time to tell the peers where this rank stands. */
  suspect(): void;
  /** The whole timeout passed without progress. */
  expire(): void;
}

/**
 * The deadline of one operation. It measures time since the last progress (a received message), so a
 * long transfer that keeps moving never times out, while a stalled one fails `timeoutMs` after it stopped.
 */
export class Watchdog {
  private lastProgress = 0;
  private suspected = false;
  private timer: TimerHandle | undefined;
  private stopped = true;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly handlers: WatchdogHandlers,
  ) {}

  start(): void {
    this.stopped = false;
    this.suspected = false;
    this.lastProgress = this.clock.now();
    this.arm(this.timeoutMs / 2);
  }

  progress(): void {
    this.lastProgress = this.clock.now();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimer(ms, () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const idle = this.clock.now() - this.lastProgress;
    if (idle >= this.timeoutMs) {
      this.stopped = true;
      this.handlers.expire();
      return;
    }
    if (!this.suspected && idle >= this.timeoutMs / 2) {
      this.suspected = true;
      this.handlers.suspect();
      if (this.stopped) return;
    }
    const next = this.suspected ? this.timeoutMs : this.timeoutMs / 2;
    this.arm(next - idle);
  }
}
