import type { Transport, TransportListener } from './transport.js';

/**
 * Ranks of one process connected by in-memory queues, for tests. Frames are copied on send (as a wire
 * would) and delivered in order, asynchronously (as microtasks).
 */
export class InMemoryNetwork {
  readonly transports: readonly InMemoryTransport[];
  private readonly dead = new Set<number>();
  /** Frozen ranks and how many messages each may still send. */
  private readonly frozen = new Map<number, number>();

  constructor(readonly worldSize: number) {
    this.transports = Array.from({ length: worldSize }, (_, rank) => new InMemoryTransport(this, rank));
  }

  /** Simulates the death of `rank`: it stops sending and receiving, and every other rank sees it lost. */
  kill(rank: number): void {
    this.dead.add(rank);
    for (const t of this.transports) if (t.rank !== rank) t.lose(rank);
  }

  /**
   * Simulates a frozen process: after `afterMessages` more sends, `rank` silently stops sending and
   * receiving, and nobody is told (unlike kill).
   */
  freeze(rank: number, afterMessages = 0): void {
    this.frozen.set(rank, afterMessages);
  }

  /** Delivers raw frames to `rank` as if they came from the wire. */
  inject(rank: number, frames: readonly Buffer[]): void {
    this.deliver(
      rank,
      frames.map((f) => Buffer.from(f)),
    );
  }

  /** Total bytes sent so far (all frames, all ranks). */
  bytesSent = 0;

  /** @internal */
  send(from: number, to: number, frames: readonly Buffer[]): void {
    if (this.dead.has(from) || this.dead.has(to) || this.frozen.get(to) === 0) return;
    const budget = this.frozen.get(from);
    if (budget === 0) return;
    if (budget !== undefined) this.frozen.set(from, budget - 1);
    const copies = frames.map((f) => Buffer.from(f));
    for (const f of copies) this.bytesSent += f.length;
    this.deliver(to, copies);
  }

  private deliver(to: number, frames: Buffer[]): void {
    queueMicrotask(() => {
      if (!this.dead.has(to) && this.frozen.get(to) !== 0) this.transports[to]?.receive(frames);
    });
  }
}

export class InMemoryTransport implements Transport {
  readonly worldSize: number;
  private listener: TransportListener | undefined;
  private readonly early: Buffer[][] = [];
  private closed = false;

  constructor(
    private readonly network: InMemoryNetwork,
    readonly rank: number,
  ) {
    this.worldSize = network.worldSize;
  }

  start(listener: TransportListener): void {
    this.listener = listener;
    for (const frames of this.early.splice(0)) listener.message(frames);
  }

  send(peer: number, frames: readonly Buffer[]): void {
    if (!this.closed) this.network.send(this.rank, peer, frames);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** @internal */
  receive(frames: Buffer[]): void {
    if (this.closed) return;
    if (this.listener === undefined) this.early.push(frames);
    else this.listener.message(frames);
  }

  /** @internal */
  lose(peer: number): void {
    if (!this.closed) this.listener?.peerLost(peer, 'disconnected');
  }
}
