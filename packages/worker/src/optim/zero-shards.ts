/**
 * A sharded optimizer step (ZeRO stage 1, as DeepSpeed's and PyTorch's ZeroRedundancyOptimizer): each
 * rank keeps the optimizer state of its shard only (1/N of the moments; see shard-layout.ts) and
 * communicates the same bytes as one all-reduce:
 *   1. reduce-scatter every gradient bucket (`hook`, run by the GradientBucketer; with fp16 on the wire
 *      its `finish` agrees on overflows and redoes those buckets in float32),
 *   2. gradNorm: the global norm from every rank's exact per-chunk sums of squares,
 *   3. apply: the optimizer over the shard's pieces (element-wise, so the same bits as an unsharded
 *      step computes for those elements),
 *   4. gatherParameters: shard-gather each bucket's parameters, so every rank holds all of them.
 * The reduced gradients and updated parameters are bit-identical to an unsharded step's: the shards hold
 * the all-reduce's bits (ProcessGroup.reduceScatter) and the norm is summed in the same order.
 */
import {
  fp16ReduceScatterHook,
  reduceScatterSumHook,
  shardChunk,
  type CommHook,
  type Compression,
  type GradBucket,
  type HookState,
  type PlannedBucket,
  type ProcessGroup,
} from '@orquesta/collective';
import type { OptimizerSpec } from '@orquesta/protocol';
import { FlatOptimizer, type OptimizerState } from './flat-optimizer.js';
import type { OptimizerStream } from './optimizer-stream.js';
import { chunkPieces, joinDouble, normOfSquares, pieceSquares, splitDouble, type ShardPiece } from './shard-layout.js';

export class ZeroShards {
  /** This rank's pieces, bucket by bucket; the optimizer's state arrays follow this order. */
  readonly pieces: readonly ShardPiece[];
  private readonly perBucket: readonly (readonly ShardPiece[])[];
  private readonly optimizer: FlatOptimizer;
  /** Each bucket's buffer as the hook reduced it, this step. */
  private readonly buffers: Float32Array[] = [];
  /** The reduce-scatter hook for the GradientBucketer (records the buckets it reduced). */
  readonly hook: CommHook;

  constructor(
    private readonly group: ProcessGroup,
    private readonly plan: readonly PlannedBucket[],
    spec: Pick<OptimizerSpec, 'kind' | 'betas' | 'eps' | 'weight_decay'>,
    private readonly compression: Compression,
    private readonly params: readonly Float32Array[],
  ) {
    this.perBucket = chunkPieces(plan, group.worldSize, shardChunk(group.rank, group.worldSize));
    this.pieces = this.perBucket.flat();
    this.optimizer = new FlatOptimizer(
      spec,
      this.pieces.map((p) => p.length),
    );
    const reduce = compression === 'fp16' ? fp16ReduceScatterHook : reduceScatterSumHook;
    const record = async (state: HookState, bucket: GradBucket): Promise<Float32Array> => {
      const out = await reduce(state, bucket);
      this.buffers[bucket.index] = out;
      return out;
    };
    this.hook = Object.assign(record, { finish: reduce.finish });
  }

  /** The optimizer state of this rank's shard (one array per piece). */
  get state(): OptimizerState {
    return this.optimizer.state;
  }

  /** Step 2: the global L2 norm of the reduced gradients (every rank gets the same bits). */
  async gradNorm(): Promise<number> {
    const { worldSize } = this.group;
    const own = new Float32Array(3 * this.plan.length);
    this.perBucket.forEach((pieces, b) => own.set(splitDouble(pieceSquares(pieces, (p) => this.gradient(p))), 3 * b));
    const all = worldSize === 1 ? [own] : await this.group.allGather(own);
    const squares = new Float64Array(this.plan.length * worldSize);
    all.forEach((parts, r) => {
      const c = shardChunk(r, worldSize);
      for (let b = 0; b < this.plan.length; b++) squares[b * worldSize + c] = joinDouble(parts[3 * b]!, parts[3 * b + 1]!, parts[3 * b + 2]!);
    });
    return normOfSquares(squares);
  }

  /** Step 3: updates this rank's pieces of the parameters from the reduced gradients x `gradScale`. */
  apply(lr: number, gradScale: number): void {
    this.optimizer.apply(
      this.pieces.map((p) => this.params[p.param]!.subarray(p.paramOffset, p.paramOffset + p.length)),
      this.pieces.map((p) => this.gradient(p)),
      lr,
      gradScale,
    );
  }

  /** Step 4: every rank's updated pieces into `params` on every rank, bucket by bucket. */
  async gatherParameters(): Promise<void> {
    await Promise.all(
      this.plan.map(async (bucket) => {
        const buffer = this.buffers[bucket.index] ?? new Float32Array(bucket.length);
        this.pack(bucket.index, buffer, this.params);
        await this.group.shardGather(buffer);
        this.unpack(bucket.index, buffer, this.params);
      }),
    );
  }

  /**
   * The whole optimizer state (moments per parameter, as an unsharded run keeps them) as a stream:
   * for m, then v, bucket by bucket, every rank's shard of the bucket is gathered and the bucket's
   * moments (its parameters back to back) are one chunk. Every rank iterates it; only a rank that
   * passes `keep` gets the chunks, the others just send their shards.
   */
  stream(keep: boolean): OptimizerStream {
    const state = this.optimizer.state;
    const kinds = [...(state.m.length > 0 ? (['m'] as const) : []), ...(state.v.length > 0 ? (['v'] as const) : [])];
    const entries = kinds.flatMap((kind) => this.plan.flatMap((bucket) => bucket.members.map((param) => ({ kind, param }))));
    const { group, plan, perBucket } = this;
    return {
      step: state.step,
      entries,
      chunks: async function* () {
        for (const kind of kinds) {
          const moments = kind === 'm' ? state.m : state.v;
          let i = 0;
          for (const bucket of plan) {
            const buffer = new Float32Array(bucket.length);
            for (const p of perBucket[bucket.index]!) buffer.set(moments[i++]!, p.bucketOffset);
            await group.shardGather(buffer);
            if (keep) yield buffer;
          }
        }
      },
    };
  }

  /** Takes this rank's pieces of a whole optimizer state (from a checkpoint of any world size, sharded or not). */
  restore(whole: OptimizerState): void {
    const state = this.optimizer.state;
    state.step = whole.step;
    this.pieces.forEach((p, i) => {
      const at = (arrays: readonly Float32Array[]) => arrays[p.param]!.subarray(p.paramOffset, p.paramOffset + p.length);
      if (whole.m.length > 0) state.m[i]!.set(at(whole.m));
      if (whole.v.length > 0) state.v[i]!.set(at(whole.v));
    });
  }

  private gradient(p: ShardPiece): Float32Array {
    return this.buffers[p.bucket]!.subarray(p.bucketOffset, p.bucketOffset + p.length);
  }

  /** Copies the bucket's members of `arrays` (per parameter) into `buffer` at their bucket offsets. */
  private pack(bucket: number, buffer: Float32Array, arrays: readonly Float32Array[]): void {
    const { gradients, members } = this.plan[bucket]!;
    members.forEach((param, j) => buffer.set(arrays[param]!, gradients[j]!.offset));
  }

  private unpack(bucket: number, buffer: Float32Array, arrays: readonly Float32Array[]): void {
    const { gradients, members } = this.plan[bucket]!;
    members.forEach((param, j) => arrays[param]!.set(buffer.subarray(gradients[j]!.offset, gradients[j]!.offset + gradients[j]!.length)));
  }
}
