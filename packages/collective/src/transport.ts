/** Receives what a Transport delivers. */
export interface TransportListener {
  /** A message (list of frames) arrived from some peer; the frames are owned by the listener. */
  message(frames: Buffer[]): void;
  /** The connection to `peer` broke after it had been established (process died, link lost, heartbeat missed). */
  peerLost(peer: number, reason: string): void;
}

/**
 * Moves frames between the ranks of one group: the seam between the collective algorithms and sockets.
 * Messages from one sender to one receiver arrive in order. Sends are queued, never awaited, so an
 * algorithm keeps sending, receiving and reducing at once.
 */
export interface Transport {
  readonly rank: number;
  readonly worldSize: number;
  /** Starts delivery to `listener` (messages that arrived earlier are delivered first). */
  start(listener: TransportListener): void;
  /**
   * Queues `frames` for `peer`. Buffers larger than 128 bytes may be sent without copying: the caller must
   * not modify them until the receiver has provably received them.
   */
  send(peer: number, frames: readonly Buffer[]): void;
  /**
   * Flushes queued messages (bounded by a linger time) and releases resources. Messages queued for the
   * peers in `abandon` (known dead) are discarded instead.
   */
  close(abandon?: ReadonlySet<number>): Promise<void>;
}
