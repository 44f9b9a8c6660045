/**
 * Prepares batches ahead of the training step, in an async pipeline on the same thread.
 *   1. After each `next()`, schedule preparation with setImmediate: one batch per turn of the
 *      event loop, until `depth` batches wait. Preparation runs while the trainer awaits its
 *      step (backend kernels, collectives), so a ready batch is usually waiting.
 *   2. `next()` hands out the oldest prepared batch, or prepares one on the spot when none is.
 *   3. Each prepared batch carries the iterator state after it, so `state()` describes the
 *      batches handed out, never the ones still waiting.
 * Batch preparation is a few copies of Int32Arrays (tens of microseconds for a 4096-token batch);
 * a worker thread would cost more in transfer than it saves.
 */
import type { BatchIterator, RestoreOptions } from './batch-iterator.js';
import type { BatchIteratorState } from './iterator-state.js';

export interface PrefetchOptions {
  /** Batches prepared ahead, at least 1. Default 4. */
  readonly depth?: number;
}

export class Prefetcher<B> {
  private readonly depth: number;
  private readonly ready: { batch: B; state: BatchIteratorState }[] = [];
  private handedOut: BatchIteratorState;
  private pending: NodeJS.Immediate | undefined;
  private failure: unknown;

  /** Throws RangeError when depth is not an integer >= 1. */
  constructor(
    private readonly iterator: BatchIterator<B>,
    options: PrefetchOptions = {},
  ) {
    this.depth = options.depth ?? 4;
    if (!Number.isInteger(this.depth) || this.depth < 1) throw new RangeError(`prefetch depth ${this.depth} is not an integer >= 1`);
    this.handedOut = iterator.state();
    this.schedule();
  }

  /** The next batch. Rejects with whatever the iterator threw while preparing it (e.g. DataConfigError). */
  async next(): Promise<B> {
    if (this.ready.length === 0) this.prepare();
    const item = this.ready.shift();
    if (item === undefined) throw this.failure;
    this.handedOut = item.state;
    this.schedule();
    return item.batch;
  }

  /** The state after the last batch `next()` resolved with; batches prepared but not handed out are not counted. */
  state(): BatchIteratorState {
    return this.handedOut;
  }

  /** Drops prepared batches and continues from `state` (see BatchIterator.restore, which throws IteratorStateError). */
  restore(state: unknown, options: RestoreOptions = {}): void {
    this.close();
    this.iterator.restore(state, options);
    this.ready.length = 0;
    this.failure = undefined;
    this.handedOut = this.iterator.state();
    this.schedule();
  }

  /** Stops preparing ahead. `next()` still works, preparing on demand. */
  close(): void {
    if (this.pending !== undefined) clearImmediate(this.pending);
    this.pending = undefined;
  }

  /** Batches prepared and waiting. */
  get buffered(): number {
    return this.ready.length;
  }

  private schedule(): void {
    if (this.pending !== undefined || this.ready.length >= this.depth || this.failure !== undefined) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.prepare();
      this.schedule();
    });
    this.pending.unref();
  }

  private prepare(): void {
    if (this.failure !== undefined) return;
    try {
      const batch = this.iterator.next();
      this.ready.push({ batch, state: this.iterator.state() });
    } catch (error) {
      this.failure = error;
    }
  }
}
