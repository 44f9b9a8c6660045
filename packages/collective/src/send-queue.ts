/** Where a SendQueue delivers: a ZeroMQ socket's `send`. */
export interface MessageSink {
  send(frames: Buffer[]): Promise<void>;
}

/**
 * Serialises sends to one socket. A ZeroMQ socket allows one pending send at a time (a second one fails
 * with EBUSY while the first waits at the high-water mark), but collective algorithms queue segments
 * without waiting: this queue hands them to the socket in order, one after another.
 */
export class SendQueue {
  private queue: (Buffer[] | undefined)[] = [];
  private head = 0;
  private pumping = false;
  private failed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly sink: MessageSink,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queues one message; after a send error everything is dropped (the error was reported once). */
  push(frames: Buffer[]): void {
    if (this.failed) return;
    this.queue.push(frames);
    if (!this.pumping) void this.pump();
  }

  /** Resolves when every message queued so far has been handed to the socket (or sending failed). */
  drained(): Promise<void> {
    if (!this.pumping) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.head < this.queue.length) {
        const frames = this.queue[this.head] as Buffer[];
        this.queue[this.head++] = undefined;
        await this.sink.send(frames);
      }
    } catch (error) {
      this.failed = true;
      this.onError(error);
    } finally {
      this.queue = [];
      this.head = 0;
      this.pumping = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}
