/** Collective operations, as named in errors, events and wire frames. */
export const COLLECTIVE_OP = {
  connect: 'connect',
  allReduce: 'allReduce',
  broadcast: 'broadcast',
  allGather: 'allGather',
  barrier: 'barrier',
  reduceScatter: 'reduceScatter',
  shardGather: 'shardGather',
} as const;

export type CollectiveOp = (typeof COLLECTIVE_OP)[keyof typeof COLLECTIVE_OP];

/** Reduction of an all-reduce: the element-wise sum, or the sum divided by the world size. */
export type ReduceOp = 'sum' | 'mean';

/** Element type on the wire; matches the experiment spec's `collective.compression`. */
export type Compression = 'none' | 'fp16';

export interface AllReduceOptions {
  /**
   * 'fp16' sends IEEE half-precision values (half the bytes) and accumulates in float32 on each rank.
   * Each hop rounds the partial sum to fp16 (relative error 2^-11 per rounding); values whose partial
   * sums exceed 65504 in magnitude become +-Infinity. See `fp16CompressHook` for a hook that avoids
   * that overflow. Defaults to 'none' (float32 on the wire, exact float32 arithmetic).
   */
  readonly compression?: Compression;
}

import type { TraceContext } from './wire.js';

/**
 * A group of `worldSize` processes that run collective operations together, like PyTorch's ProcessGroup.
 *
 * Every rank must call the same operations in the same order with matching arguments (same tensor
 * length; same root). Calls may be issued without awaiting the previous one: they run one after another
 * in call order, each numbered by a sequence number `seq` (1, 2, ...) that errors report.
 *
 * After any operation fails, the group is broken: every later call rejects with the same kind of error.
 * Close it and create a new group (a new rendezvous).
 */
export interface ProcessGroup {
  /** This process's rank, 0..worldSize-1. */
  readonly rank: number;
  /** Number of processes in the group. */
  readonly worldSize: number;

  /**
   * Reduces `data` element-wise across all ranks, in place, and resolves with the same array.
   * Every rank ends with bit-identical values.
   * @throws {CollectiveTimeoutError} no progress for `timeoutMs`; `waitingFor` names the stuck ranks.
   * @throws {PeerLostError} a rank died, disconnected or closed its group.
   * @throws {CollectiveMismatchError} a rank called a different operation or passed a different length.
   * @throws {GroupClosedError} the group was closed.
   * @throws {CollectiveArgumentError} `data` is not a Float32Array or `op` is unknown.
   */
  allReduce(data: Float32Array, op: ReduceOp, options?: AllReduceOptions): Promise<Float32Array>;

  /**
   * Sums `data` element-wise across all ranks into this rank's shard only, in place, and resolves with
   * `data`: afterwards elements `shardRange(data.length, rank, worldSize)` hold exactly the bits that
   * `allReduce(data, 'sum', options)` would have left there (same chunks, same summation order, on the
   * ring and through shared memory alike); the other elements hold partial sums. Each rank sends and
   * receives (N-1)/N of the tensor: half an all-reduce. The first half of a sharded optimizer step
   * (ZeRO): reduce-scatter the gradients, update the shard, `shardGather` the parameters.
   * @throws {CollectiveTimeoutError} | {PeerLostError} | {CollectiveMismatchError} | {GroupClosedError}
   * @throws {CollectiveArgumentError} `data` is not a Float32Array or the compression is unknown.
   */
  reduceScatter(data: Float32Array, options?: AllReduceOptions): Promise<Float32Array>;

  /**
   * Copies every rank's shard of `data` (`shardRange(data.length, r, worldSize)` of rank r) into `data`
   * on every rank, in float32, and resolves with `data`: the second half of an all-reduce.
   * @throws {CollectiveTimeoutError} | {PeerLostError} | {CollectiveMismatchError} | {GroupClosedError}
   * @throws {CollectiveArgumentError} `data` is not a Float32Array.
   */
  shardGather(data: Float32Array): Promise<Float32Array>;

  /**
   * Copies `root`'s `data` into `data` on every other rank (same length on all ranks) and resolves with
   * `data`. The root resolves once the last rank has received everything.
   * @throws {CollectiveTimeoutError} | {PeerLostError} | {CollectiveMismatchError} | {GroupClosedError}
   * @throws {CollectiveArgumentError} `root` is not a rank of the group.
   */
  broadcast(data: Float32Array, root: number): Promise<Float32Array>;

  /**
   * Gathers every rank's `data` (lengths may differ) and resolves with one new array per rank, indexed by
   * rank; entry `rank` is a copy of `data`.
   * @throws {CollectiveTimeoutError} | {PeerLostError} | {CollectiveMismatchError} | {GroupClosedError}
   */
  allGather(data: Float32Array): Promise<Float32Array[]>;

  /**
   * Resolves once every rank has entered the barrier.
   * @throws {CollectiveTimeoutError} | {PeerLostError} | {CollectiveMismatchError} | {GroupClosedError}
   */
  barrier(): Promise<void>;

  /**
   * Sets the trace context (the caller's current span) that the data frames of every operation called
   * from now on carry in their headers, so the receiving peers can link their spans to it; null stops it.
   * Operations already called keep the context they were called with.
   * @throws {CollectiveArgumentError} the ids are not lowercase hex of 32 and 16 digits, or are all zero.
   */
  setTraceContext(context: TraceContext | null): void;

  /**
   * The first trace context each peer's data frames carried to this rank since the previous call, by
   * sender rank (in a ring, the left neighbour); the record is cleared. Taken after a step's last
   * operation, it holds the peers' contexts of that step even if they have begun the next one.
   */
  takePeerTraceContexts(): ReadonlyMap<number, TraceContext>;

  /**
   * Tells the peers this rank is leaving (their later operations fail with PeerLostError instead of
   * waiting), rejects operations still queued with GroupClosedError, waits (at most about a second) for
   * the peers that are closing too, so nothing they still need is dropped, and releases sockets. Idempotent.
   */
  close(): Promise<void>;

  /**
   * Leaves a broken group at once, for peer recovery: rejects the running and queued operations with
   * GroupClosedError (or the failure already seen), says no goodbye, drops every queued frame and
   * releases the sockets, so that a group formed next on the same endpoints receives nothing of this
   * one. Idempotent; a closed group stays closed.
   */
  abandon(): Promise<void>;
}
