/**
 * A FIFO of received messages with at most one waiting consumer (operations run one at a time).
 * `interrupt()` wakes the consumer with `undefined` so it can re-check the group's failure state.
 */
export class Inbox<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private waiter: ((item: T | undefined) => void) | undefined;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter(item);
      return;
    }
    this.items.push(item);
  }

  /** The oldest message, or undefined when empty. */
  poll(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return item;
  }

  /** Resolves with the next message, or with undefined when interrupted. */
  next(): Promise<T | undefined> {
    const item = this.poll();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  interrupt(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }
}
