/** A pending timer; cancel() is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

/** The time source of deadlines and timers, injected so timeout logic is tested without sleeping. */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds unless cancelled. */
  setTimer(ms: number, callback: () => void): TimerHandle;
}

/** The process's monotonic clock and Node timers (unref'd, so a pending deadline never keeps a process alive). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, callback) {
    const timer = setTimeout(callback, Math.max(0, ms));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
