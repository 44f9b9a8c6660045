import { divideInPlace } from './kernels.js';
import type { Compression, ProcessGroup, ReduceOp } from './process-group.js';

/** What a hook gets besides the bucket, like the state object of PyTorch's DDP comm hooks. */
export interface HookState {
  readonly group: ProcessGroup;
}

/** A fused bucket of gradients: `buffer` holds them back to back, in `gradients` order. */
export interface GradBucket {
  /** Position of the bucket in the model's bucket list, 0-based. */
  readonly index: number;
  readonly buffer: Float32Array;
  /** Each gradient's name and place in `buffer` (elements). */
  readonly gradients: readonly { readonly name: string; readonly offset: number; readonly length: number }[];
}

/** A bucket and the values its hook resolved with. */
export interface ReducedBucket {
  readonly bucket: GradBucket;
  readonly reduced: Float32Array;
}

/**
 * A hook's second phase, for collectives that depend on the first phase's results (fp16's float32
 * fallback): called once every bucket's hook of a round has resolved, so the collectives it issues come
 * after every bucket's in each rank's call order. It may rewrite `reduced` in place.
 * @throws whatever the group throws.
 */
export type BucketFinish<S extends HookState = HookState> = (state: S, buckets: readonly ReducedBucket[]) => Promise<void>;

/**
 * Communicates one bucket and resolves with the reduced values (the bucket's own buffer or a new array
 * of the same length). The bucketer writes them back into the gradients, after `finish` if the hook has one.
 *
 * A hook issues its collectives when it is called, before it awaits anything: ranks whose gradients
 * become ready at different times start buckets at different times, so a collective issued after an
 * await could land in a different place of each rank's call order. What needs a result first goes in
 * `finish`.
 * @throws whatever the group throws (CollectiveTimeoutError, PeerLostError, ...).
 */
export type CommHook<S extends HookState = HookState> = ((state: S, bucket: GradBucket) => Promise<Float32Array>) & { readonly finish?: BucketFinish<S> };

/** The default hook: all-reduce sum, divided by the world size (the mean gradient), float32 on the wire. */
export const allReduceMeanHook: CommHook = (state, bucket) => state.group.allReduce(bucket.buffer, 'mean');

/** All-reduce sum, float32 on the wire: for callers that divide by their own count (e.g. tokens). */
export const allReduceSumHook: CommHook = (state, bucket) => state.group.allReduce(bucket.buffer, 'sum');

/**
 * All-reduce with fp16 on the wire: half the bytes, float32 accumulation on every rank.
 *
 * 1. Keep a copy of the bucket; scale it by 1/N first (as PyTorch's fp16_compress_hook does), so partial
 *    sums stay within the magnitude of the inputs and fp16's 65504 limit is reached only by inputs that
 *    large themselves.
 * 2. Ring all-reduce 'sum' with fp16 frames: each of the N values passes through at most N roundings to
 *    fp16 on the way, so |result - mean| <= N * 2^-11 * mean(|x_i|) + N * 2^-25 (first order; the 2^-25 term
 *    is the subnormal spacing, for values below 2^-14).
 * 3. For 'sum', multiply the mean by N in float32 (exact when N is a power of two, else one more float32
 *    rounding): |result - sum| <= N * 2^-11 * sum(|x_i|) + N^2 * 2^-25, plus 2^-24 * |result|.
 * 4. `finish`: a result that holds a non-finite value (identical on every rank, so every rank decides
 *    alike) had an fp16 value overflow or an input that was not finite: restore the copy and all-reduce
 *    it in float32 with `op` instead (for 'sum', bit-identical to allReduceSumHook).
 * Called alone (without a bucketer), the hook's result is final only after `finish`.
 */
function fp16Compress(op: ReduceOp): CommHook {
  const originals = new WeakMap<GradBucket, Float32Array>();
  const hook = async (state: HookState, bucket: GradBucket): Promise<Float32Array> => {
    const { group } = state;
    originals.set(bucket, bucket.buffer.slice());
    const data = bucket.buffer;
    divideInPlace(data, group.worldSize);
    await group.allReduce(data, 'sum', { compression: 'fp16' });
    if (op === 'sum' && allFinite(data)) multiplyInPlace(data, group.worldSize);
    return data;
  };
  const finish: BucketFinish = async (state, buckets) => {
    const redo = buckets.filter(({ reduced }) => !allFinite(reduced));
    await Promise.all(
      redo.map(({ bucket, reduced }) => {
        reduced.set(originals.get(bucket) ?? reduced);
        return state.group.allReduce(reduced, op);
      }),
    );
    for (const { bucket } of buckets) originals.delete(bucket);
  };
  return Object.assign(hook, { finish });
}

/** Mean all-reduce with fp16 on the wire and a float32 fallback on overflow (see fp16Compress). */
export const fp16CompressHook: CommHook = fp16Compress('mean');

/** Sum all-reduce with fp16 on the wire and a float32 fallback on overflow (see fp16Compress). */
export const fp16CompressSumHook: CommHook = fp16Compress('sum');

/** A hook and its finish, as the bucketer runs them, for one bucket (tests and callers without a bucketer). */
export async function reduceBucket(hook: CommHook, state: HookState, bucket: GradBucket): Promise<Float32Array> {
  const reduced = await hook(state, bucket);
  await hook.finish?.(state, [{ bucket, reduced }]);
  return reduced;
}

function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  return true;
}

/** data[i] *= factor, rounded to float32. */
function multiplyInPlace(data: Float32Array, factor: number): void {
  for (let i = 0, n = data.length; i < n; i++) data[i] = (data[i] as number) * factor;
}

/**
 * The hook for the spec's `collective.compression` and the reduction the caller wants: 'mean' (the
 * default, DDP's averaged gradients) or 'sum' (for callers that normalize by their own count).
 */
export function commHookFor(compression: Compression, op: ReduceOp = 'mean'): CommHook {
  if (compression === 'fp16') return op === 'sum' ? fp16CompressSumHook : fp16CompressHook;
  return op === 'sum' ? allReduceSumHook : allReduceMeanHook;
}
