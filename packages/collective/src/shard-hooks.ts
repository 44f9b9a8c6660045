/**
 * Comm hooks for sharded optimizers (ZeRO): each bucket is reduce-scattered instead of all-reduced, so
 * a rank ends with the sum of its shard of the bucket only (`shardRange`), bit for bit what the
 * all-reduce hooks of comm-hooks.ts leave there.
 */
import type { BucketFinish, CommHook, GradBucket, HookState } from './comm-hooks.js';
import { divideInPlace } from './kernels.js';
import { shardRange } from './partition.js';
import type { ProcessGroup } from './process-group.js';

/** Reduce-scatter sum, float32 on the wire: the shard holds what allReduceSumHook leaves there. */
export const reduceScatterSumHook: CommHook = (state, bucket) => state.group.reduceScatter(bucket.buffer);

/**
 * Reduce-scatter with fp16 on the wire, as fp16CompressSumHook: the bucket is divided by N and
 * reduce-scattered in fp16; the hook's `finish` (run by the bucketer after every bucket; call
 * `reduceBucket` without one) settles overflows with finishFp16Shards, from a copy of each bucket kept
 * until then.
 */
export const fp16ReduceScatterHook: CommHook = (() => {
  const originals = new WeakMap<GradBucket, Float32Array>();
  const hook = (state: HookState, bucket: GradBucket): Promise<Float32Array> => {
    originals.set(bucket, bucket.buffer.slice());
    divideInPlace(bucket.buffer, state.group.worldSize);
    return state.group.reduceScatter(bucket.buffer, { compression: 'fp16' });
  };
  const finish: BucketFinish = async (state, buckets) => {
    await finishFp16Shards(
      state.group,
      buckets.map((b) => b.reduced),
      (i) => buckets[i]!.reduced.set(originals.get(buckets[i]!.bucket) ?? buckets[i]!.reduced),
    );
    for (const { bucket } of buckets) originals.delete(bucket);
  };
  return Object.assign(hook, { finish });
})();

/**
 * Steps 3-4 of fp16CompressSumHook for buckets reduced by fp16ReduceScatterHook (its `finish`):
 * 1. all-reduce one flag per bucket: does some rank's shard hold a non-finite value?
 * 2. a flagged bucket is packed again from the local gradients (`repack`) and reduce-scattered in
 *    float32 (bit-identical to reduceScatterSumHook); every other bucket's shard is multiplied by N.
 * Resolves with the indices of the buckets that fell back to float32.
 * @throws whatever the group throws.
 */
export async function finishFp16Shards(group: ProcessGroup, buckets: readonly Float32Array[], repack: (index: number) => void): Promise<number[]> {
  const { rank, worldSize } = group;
  const flags = Float32Array.from(buckets, (b) => {
    const { start, end } = shardRange(b.length, rank, worldSize);
    for (let i = start; i < end; i++) if (!Number.isFinite(b[i])) return 1;
    return 0;
  });
  await group.allReduce(flags, 'sum');
  const redone: number[] = [];
  const pending: Promise<Float32Array>[] = [];
  buckets.forEach((b, i) => {
    if (flags[i]! > 0) {
      repack(i);
      redone.push(i);
      pending.push(group.reduceScatter(b));
      return;
    }
    const { start, end } = shardRange(b.length, rank, worldSize);
    for (let j = start; j < end; j++) b[j] = b[j]! * worldSize;
  });
  await Promise.all(pending);
  return redone;
}
