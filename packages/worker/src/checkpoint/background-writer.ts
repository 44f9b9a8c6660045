/**
 * Checkpoint writes beside the training loop: `start` hands a write to the background (the caller has
 * copied what it writes, see checkpoint-saver.ts) and returns at once; the loop goes on.
 *
 * One write at a time. A write that fails is not lost: `settle` (and the next `start`) rejects with it,
 * and the store leaves the previous checkpoint in place (its writes are atomic).
 */

/** What a finished write reports. */
export interface CheckpointWritten {
  readonly step: number;
  readonly path: string;
  /** Seconds from start to the checkpoint's directory being renamed into place and synced, as the write measured them. */
  readonly writeSeconds: number;
}

export class BackgroundCheckpointWriter {
  private pending: Promise<void> | undefined;
  private failure: { readonly error: unknown } | undefined;
  private finished: CheckpointWritten[] = [];

  /** `onFinished` is called as soon as a write is in place (takeFinished then has it). */
  constructor(private readonly onFinished: () => void = () => undefined) {}

  /** True while a write runs. */
  get busy(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Starts writing the checkpoint of `step` with `write` (which resolves with its path and the seconds
   * it measured); resolves once the write is started, after any earlier write finished.
   * @throws the error of an earlier write that failed.
   */
  async start(step: number, write: () => Promise<{ readonly path: string; readonly seconds: number }>): Promise<void> {
    await this.settle();
    const pending: Promise<void> = write()
      .then(
        (w) => {
          this.finished.push({ step, path: w.path, writeSeconds: w.seconds });
          this.onFinished();
        },
        (error: unknown) => void (this.failure = { error }),
      )
      .finally(() => this.pending === pending && (this.pending = undefined));
    this.pending = pending;
  }

  /** Waits for the running write, if any. @throws the error of a write that failed (once). */
  async settle(): Promise<void> {
    await this.pending;
    const failed = this.failure;
    if (failed !== undefined) {
      this.failure = undefined;
      throw failed.error;
    }
  }

  /** @throws the error of a write that failed, once it is known (without waiting for a running one). */
  throwIfFailed(): void {
    const failed = this.failure;
    if (failed === undefined) return;
    this.failure = undefined;
    throw failed.error;
  }

  /** The writes finished since the last call, oldest first. */
  takeFinished(): CheckpointWritten[] {
    return this.finished.splice(0);
  }
}
