/**
 * When scheduling passes run. `now()` runs one at once (one asked for while a pass applies its
 * decisions runs once after it); `soon()` runs one on the next turn of the event loop (`defer`), once
 * for every request made until then, so a burst of submissions, exits or registrations costs one
 * pass, and at most one every `gapMs` (a pass over thousands of queued trials costs milliseconds;
 * the gap bounds their share of the event loop); `next()` runs one on the next turn without the gap
 * (a pass cut short by its time budget goes on); nothing runs while `held()` (a coordinator waiting
 * for its agents after a restart).
 */
export class PassLoop {
  private passing = false;
  private again = false;
  private wanted = false;
  /** The latest deferred request: an earlier one that fires after it was superseded does nothing. */
  private request = 0;
  /** performance.now() when the last pass ended. */
  private endedAt = -Infinity;

  /** @param defer runs `run` after `delayMs` (0: on the next turn). */
  constructor(
    private readonly pass: () => void,
    private readonly defer: (run: () => void, delayMs: number) => void,
    private readonly held: () => boolean,
    private readonly gapMs = 0,
  ) {}

  now(): void {
    if (this.held()) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = true;
    try {
      do {
        this.again = false;
        this.pass();
      } while (this.again);
    } finally {
      this.passing = false;
      this.endedAt = performance.now();
    }
  }

  soon(): void {
    if (this.wanted) return;
    this.later(Math.max(0, this.endedAt + this.gapMs - performance.now()));
  }

  next(): void {
    this.later(0);
  }

  private later(delayMs: number): void {
    this.wanted = true;
    const request = ++this.request;
    this.defer(() => {
      if (request !== this.request) return;
      this.wanted = false;
      this.now();
    }, delayMs);
  }
}
