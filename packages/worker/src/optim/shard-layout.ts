/**
 * Where a rank's optimizer shard lives (ZeRO stage 1). The gradient buckets (planBuckets) are each
 * split into N chunks as the ring splits them; rank r owns chunk shardChunk(r, N) of every bucket, so
 * its shard is the union of those chunks: 1/N of the flat parameter space. A piece is the part of one
 * parameter inside one owned chunk.
 *
 * The global gradient norm is summed in a fixed order that both sharded and unsharded runs can follow:
 * squares in double precision per (bucket, chunk) (sumOfSquares per piece), then those sums in
 * bucket-then-chunk order. A rank
 * of a sharded run knows only its own chunks' sums; they travel between ranks as three float32 values
 * each (splitDouble), which represent the double exactly.
 */
import { Partition } from '@orquesta/collective';
import { sumOfSquares } from '@orquesta/kernels';
import type { PlannedBucket } from '@orquesta/collective';

export interface ShardPiece {
  /** Bucket index in the plan. */
  readonly bucket: number;
  /** Element offset in the bucket. */
  readonly bucketOffset: number;
  /** Parameter index (the gradients' order given to planBuckets). */
  readonly param: number;
  /** Element offset in the parameter. */
  readonly paramOffset: number;
  readonly length: number;
}

/** The pieces of chunk `chunk` of every bucket, bucket by bucket, in bucket order. */
export function chunkPieces(plan: readonly PlannedBucket[], worldSize: number, chunk: number): ShardPiece[][] {
  return plan.map((bucket) => {
    const chunks = new Partition(bucket.length, worldSize);
    const [start, end] = [chunks.start(chunk), chunks.end(chunk)];
    const pieces: ShardPiece[] = [];
    bucket.gradients.forEach((g, j) => {
      const from = Math.max(start, g.offset);
      const to = Math.min(end, g.offset + g.length);
      if (to > from) pieces.push({ bucket: bucket.index, bucketOffset: from, param: bucket.members[j]!, paramOffset: from - g.offset, length: to - from });
    });
    return pieces;
  });
}

/** Sum of squares in double precision of the pieces' elements read through `view`: each piece's (sumOfSquares), added in piece order. */
export function pieceSquares(pieces: readonly ShardPiece[], view: (piece: ShardPiece) => Float32Array): number {
  let sum = 0;
  for (const piece of pieces) sum += sumOfSquares(view(piece));
  return sum;
}

/**
 * Squares of every (bucket, chunk), index bucket * worldSize + chunk, from whole per-parameter arrays
 * (an unsharded run, which holds every chunk).
 */
export function squaresByChunk(plan: readonly PlannedBucket[], worldSize: number, grads: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(plan.length * worldSize);
  for (let c = 0; c < worldSize; c++) {
    chunkPieces(plan, worldSize, c).forEach((pieces, b) => {
      out[b * worldSize + c] = pieceSquares(pieces, (p) => grads[p.param]!.subarray(p.paramOffset, p.paramOffset + p.length));
    });
  }
  return out;
}

/** sqrt of the sum of `squares` in index order, each first rounded as splitDouble/joinDouble carry it. */
export function normOfSquares(squares: Float64Array): number {
  let sum = 0;
  for (const s of squares) sum += joinDouble(...splitDouble(s));
  return Math.sqrt(sum);
}

/**
 * A double as three float32 values whose sum (joinDouble) is the double itself, exactly, for any finite
 * value whose parts stay in float32's normal range (each part takes the next 24 bits of the 53-bit
 * significand); outside it the parts round alike on every rank.
 */
export function splitDouble(x: number): [number, number, number] {
  const hi = Math.fround(x);
  const rest = x - hi;
  const mid = Math.fround(rest);
  return [hi, mid, Math.fround(rest - mid)];
}

export function joinDouble(hi: number, mid: number, lo: number): number {
  return Number.isFinite(hi) ? hi + mid + lo : hi; // an infinite norm stays infinite (clipping to 0)
}
