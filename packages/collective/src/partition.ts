/**
 * Splits `length` elements into `parts` contiguous chunks whose sizes differ by at most one (the first
 * `length % parts` chunks get the extra element). Chunk i is [start(i), start(i+1)).
 */
export class Partition {
  private readonly base: number;
  private readonly extra: number;

  constructor(
    readonly length: number,
    readonly parts: number,
  ) {
    this.base = Math.floor(length / parts);
    this.extra = length % parts;
  }

  start(i: number): number {
    return i * this.base + Math.min(i, this.extra);
  }

  end(i: number): number {
    return this.start(i + 1);
  }
}

/** i mod n in 0..n-1, also for negative i. */
export function mod(i: number, n: number): number {
  return ((i % n) + n) % n;
}

/** Smallest segment worth a message of its own (elements): below it, per-message costs dominate. */
const MIN_SEGMENT = 16_384;

/**
 * Segment length (elements) for pipelining chunks of `chunkLength` elements: about four segments per chunk
 * so that each ring step overlaps sending, receiving and reducing, capped at `maxSegment` and at least
 * MIN_SEGMENT (or `maxSegment` if that is smaller).
 */
export function segmentLength(maxSegment: number, chunkLength: number): number {
  return Math.max(Math.min(maxSegment, MIN_SEGMENT), Math.min(maxSegment, Math.ceil(chunkLength / 4)));
}

/**
 * Segment length (elements) on the native ring: two segments per chunk, capped at `maxSegment` and at
 * least MIN_SEGMENT (or `maxSegment` if that is smaller). Each message costs the native ring two thread
 * hand-offs (its libzmq I/O thread and the operation's thread), so it sends fewer, larger segments than
 * the TypeScript ring; two per chunk still overlap receiving one with forwarding the other. The
 * segmentation never changes the result: every element is summed in the same order.
 */
export function nativeSegmentLength(maxSegment: number, chunkLength: number): number {
  return Math.max(Math.min(maxSegment, MIN_SEGMENT), Math.min(maxSegment, Math.ceil(chunkLength / 2)));
}

/**
 * The chunk of a `Partition(length, worldSize)` that `rank` owns after a reduce-scatter: the one whose
 * ring sum it completes, (rank + 1) mod worldSize (chunk c starts its ring at rank c and ends at c - 1).
 */
export function shardChunk(rank: number, worldSize: number): number {
  return (rank + 1) % worldSize;
}

/** [start, end) of `rank`'s shard of a tensor of `length` elements (see shardChunk). */
export function shardRange(length: number, rank: number, worldSize: number): { readonly start: number; readonly end: number } {
  const chunks = new Partition(length, worldSize);
  const c = shardChunk(rank, worldSize);
  return { start: chunks.start(c), end: chunks.end(c) };
}
