/**
 * Synchronous data-parallel training, one optimizer step at a time:
 *   1. compute gradients: forward + backward on each micro-batch (TrainerConfig.accumulate of them),
 *      summing d(loss sum)/d(param) locally; no communication between micro-steps,
 *   2. communicate: sum-all-reduce the summed gradients bucket by bucket (TrainerConfig.hook:
 *      float32, or fp16 on the wire with a float32 fallback on overflow), each bucket started as
 *      soon as the last micro-batch's backward has produced its gradients (overlapping the rest of
 *      the read-out), then the loss sum, token count and stop flags exactly,
 *   3. apply: divide by the global token count and clip by global norm (one scale factor the
 *      optimizer applies as it reads the gradients), take the learning rate from
 *      the schedule, update the parameters (the same arithmetic on every rank) and load them into
 *      the model's variables.
 * With TrainerConfig.shard (ZeRO stage 1, optim/zero-shards.ts) step 2 reduce-scatters the buckets
 * instead, each rank updates only its shard of the parameters in step 3 and then the updated
 * parameters are shard-gathered: the same bytes on the wire and the same parameters, bit for bit.
 * Every K steps the ranks compare parameter checksums and stop on a mismatch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { overwriteTensorData } from '@orquesta/kernels';
import {
  bucketedGradients,
  GradientBucketer,
  planBuckets,
  type BucketRound,
  type CommHook,
  type GradBucket,
  type HookState,
  type NamedGradient,
  type PlannedBucket,
  type ProcessGroup,
} from '@orquesta/collective';
import { ReplicaMismatchError } from '../errors.js';
import { clipFactor, FlatOptimizer, type OptimizerState } from '../optim/flat-optimizer.js';
import { collect, streamOf, type OptimizerStream } from '../optim/optimizer-stream.js';
import { normOfSquares, squaresByChunk } from '../optim/shard-layout.js';
import { ZeroShards } from '../optim/zero-shards.js';
import { learningRate } from '../optim/lr-schedule.js';
import { accumulateGradients } from './compute-gradients.js';
import { parameterChecksum } from './parameter-checksum.js';
import type { TrainerConfig } from './trainer-config.js';
import type { TrainableModel, TrainBatch } from './trainable-model.js';

export interface StepStats {
  /** Optimizer step just completed (1-based). */
  readonly step: number;
  /** Mean loss per target token over all ranks. */
  readonly loss: number;
  /** Target tokens in the step over all ranks. */
  readonly tokens: number;
  readonly lr: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Some rank asked to stop (signal); every rank stops after this step. */
  readonly stop: boolean;
  /**
   * Seconds spent waiting for batches, in forward+backward, in all-reduce, in the optimizer, and
   * (with `measureIdle`) idle at a barrier waiting for the slowest rank before the all-reduce.
   */
  readonly seconds: { readonly data: number; readonly compute: number; readonly allReduce: number; readonly optimizer: number; readonly idle: number };
  /** Each gradient bucket's all-reduce: epoch ms start and end, and its bytes (before wire compression). */
  readonly buckets: readonly { readonly startMs: number; readonly endMs: number; readonly bytes: number }[];
  /**
   * Seconds of gradient all-reduce that ran while gradients were still being produced (before the
   * compute phase ended), hidden behind it; `seconds.allReduce` is the exposed rest.
   */
  readonly allReduceHidden: number;
}

export interface TrainerSnapshot {
  readonly step: number;
  readonly params: readonly Float32Array[];
  readonly optimizer: OptimizerState;
}

export class Trainer {
  private readonly vars: tf.Variable[];
  private readonly names: string[];
  readonly params: Float32Array[];
  private readonly grads: Float32Array[];
  /** The unsharded optimizer, or undefined when `zero` holds the state. */
  private readonly optimizer: FlatOptimizer | undefined;
  private readonly zero: ZeroShards | undefined;
  private readonly plan: readonly PlannedBucket[];
  private bucketer: GradientBucketer;
  private readonly timedHook: CommHook;
  private readonly stats = new Float32Array(3);
  private stepCount = 0;

  constructor(
    private readonly config: TrainerConfig,
    private group: ProcessGroup,
    private readonly model: TrainableModel,
    private readonly nextBatch: () => Promise<TrainBatch>,
    /** Benchmarks: a barrier before the all-reduce separates waiting for peers from communicating. */
    private readonly options: { readonly measureIdle?: boolean } = {},
  ) {
    this.vars = [...model.variables.values()];
    this.names = [...model.variables.keys()];
    this.params = this.vars.map((v) => new Float32Array(v.dataSync()));
    const shapes = this.vars.map((v, i) => ({ name: this.names[i]!, length: v.size }));
    // The gradients are accumulated straight into the communication buckets (no second copy).
    this.grads = bucketedGradients(shapes, config.bucketBytes).map((g) => g.data);
    this.plan = planBuckets(shapes, config.bucketBytes);
    const sizes = this.vars.map((v) => v.size);
    this.zero = config.shard ? new ZeroShards(group, this.plan, config.optimizer, config.compression ?? 'none', this.params) : undefined;
    this.optimizer = this.zero ? undefined : new FlatOptimizer(config.optimizer, sizes);
    // The configured hook, timed per bucket for StepStats.buckets.
    const hook = this.zero?.hook ?? config.hook;
    const timed: CommHook = Object.assign(
      async (state: HookState, bucket: GradBucket) => {
        const startMs = performance.timeOrigin + performance.now();
        const bytes = bucket.buffer.byteLength;
        const reduced = await hook(state, bucket);
        this.bucketTimes.push({ startMs, endMs: performance.timeOrigin + performance.now(), bytes });
        return reduced;
      },
      { finish: hook.finish },
    );
    this.timedHook = timed;
    this.bucketer = new GradientBucketer(group, { bucketBytes: config.bucketBytes, hook: timed });
  }

  /**
   * Continues on another process group of the same ranks (peer recovery: the old one broke and was
   * abandoned). @throws {RangeError} the optimizer is sharded: its shards belong to the old group's ranks.
   */
  useGroup(group: ProcessGroup): void {
    if (this.zero) throw new RangeError('a sharded optimizer (optimizer.shard) cannot move to another process group');
    this.group = group;
    this.bucketer = new GradientBucketer(group, { bucketBytes: this.config.bucketBytes, hook: this.timedHook });
  }

  private bucketTimes: { startMs: number; endMs: number; bytes: number }[] = [];

  get step(): number {
    return this.stepCount;
  }

  /** Rank 0's initial parameters on every rank (one packed broadcast). */
  async broadcastParameters(): Promise<void> {
    const packed = new Float32Array(this.params.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of this.params) {
      packed.set(p, offset);
      offset += p.length;
    }
    await this.group.broadcast(packed, 0);
    offset = 0;
    for (const p of this.params) {
      p.set(packed.subarray(offset, offset + p.length));
      offset += p.length;
    }
    this.uploadParameters();
  }

  /** Continues from a checkpoint. */
  restore(snapshot: TrainerSnapshot): void {
    snapshot.params.forEach((p, i) => this.params[i]!.set(p));
    if (this.zero) this.zero.restore(snapshot.optimizer);
    else {
      const state = this.optimizer!.state;
      state.step = snapshot.optimizer.step;
      snapshot.optimizer.m.forEach((m, i) => state.m[i]!.set(m));
      snapshot.optimizer.v.forEach((v, i) => state.v[i]!.set(v));
    }
    this.stepCount = snapshot.step;
    this.uploadParameters();
  }

  /** The optimizer state a checkpoint holds, as a stream (sharded: a collective every rank iterates; see ZeroShards.stream). */
  optimizerStream(keep: boolean): OptimizerStream {
    return this.zero ? this.zero.stream(keep) : streamOf(this.optimizer!.state);
  }

  /**
   * Parameters and the whole optimizer state. Sharded, the moments are gathered from every rank's
   * shard, so every rank must call it; ranks that pass `keep` false get empty moment lists.
   */
  async snapshot(keep = true): Promise<TrainerSnapshot> {
    const stream = this.optimizerStream(keep);
    const optimizer = this.zero ? await collect(stream, keep ? this.params.map((p) => p.length) : []) : this.optimizer!.state;
    return { step: this.stepCount, params: this.params, optimizer: keep ? optimizer : { step: optimizer.step, m: [], v: [] } };
  }

  get parameterNames(): readonly string[] {
    return this.names;
  }

  /** One optimizer step; `stopRequested` is shared with the other ranks through the all-reduce. */
  async trainStep(stopRequested = false): Promise<StepStats> {
    const { accumulate, labelSmoothing, maxSteps, optimizer: optSpec } = this.config;
    const step = this.stepCount + 1;
    const seconds = { data: 0, compute: 0, allReduce: 0, optimizer: 0, idle: 0 };
    let lossSum = 0;
    let tokens = 0;
    this.bucketTimes = [];
    const named: NamedGradient[] = this.grads.map((data, i) => ({ name: this.names[i]!, data }));
    // Buckets start during the last micro-batch's read-out, unless a barrier must come first.
    const overlap = !this.options.measureIdle;
    let round: BucketRound | undefined;
    for (let micro = 0; micro < accumulate; micro++) {
      let t = performance.now();
      const batch = await this.nextBatch();
      seconds.data += (performance.now() - t) / 1000;
      t = performance.now();
      this.model.beginStep(step * accumulate + micro);
      const last = micro === accumulate - 1;
      if (last && overlap) round = this.bucketer.begin(named);
      const result = await accumulateGradients(this.model, batch, labelSmoothing, this.grads, micro === 0, round ? (i) => round!.ready(i) : undefined);
      seconds.compute += (performance.now() - t) / 1000;
      lossSum += result.lossSum;
      tokens += result.tokens;
    }
    const computeEndMs = performance.timeOrigin + performance.now();
    let t = performance.now();
    if (this.options.measureIdle) {
      await this.group.barrier();
      seconds.idle = (performance.now() - t) / 1000;
      t = performance.now();
    }
    this.stats.set([lossSum, tokens, stopRequested ? 1 : 0]);
    round ??= this.bucketer.beginAll(named);
    await Promise.all([round.done(), this.group.allReduce(this.stats, 'sum')]);
    seconds.allReduce = (performance.now() - t) / 1000;
    t = performance.now();
    // The summed gradients are divided by the global token count and clipped through one scale
    // factor that the optimizer applies as it reads them.
    const globalTokens = Math.max(1, this.stats[1]!);
    const lr = learningRate(optSpec, maxSteps, step);
    let gradNorm: number;
    if (this.zero) {
      gradNorm = (await this.zero.gradNorm()) / globalTokens;
      this.zero.apply(lr, clipFactor(gradNorm, optSpec.clip_norm) / globalTokens);
      await this.zero.gatherParameters();
    } else {
      gradNorm = normOfSquares(squaresByChunk(this.plan, this.group.worldSize, this.grads)) / globalTokens;
      this.optimizer!.apply(this.params, this.grads, lr, clipFactor(gradNorm, optSpec.clip_norm) / globalTokens);
    }
    this.uploadParameters();
    seconds.optimizer = (performance.now() - t) / 1000;
    this.stepCount = step;
    return {
      step,
      loss: this.stats[0]! / globalTokens,
      tokens: this.stats[1]!,
      lr,
      gradNorm,
      stop: this.stats[2]! > 0,
      seconds,
      buckets: this.bucketTimes,
      allReduceHidden: hiddenSeconds(this.bucketTimes, computeEndMs),
    };
  }

  /** Compares parameter checksums across ranks. @throws {ReplicaMismatchError} naming the ranks that differ from rank 0. */
  async checkReplicas(): Promise<void> {
    const mine = Float32Array.from(parameterChecksum(this.params));
    const all = await this.group.allGather(mine);
    const reference = all[0]!;
    const differing = all.flatMap((c, rank) => (c[0] !== reference[0] || c[1] !== reference[1] ? [rank] : []));
    if (differing.length > 0) throw new ReplicaMismatchError(this.stepCount, differing);
  }

  /** Mean loss per token over every rank's share of `batches` (no dropout). */
  async evaluate(batches: readonly TrainBatch[]): Promise<{ loss: number; tokens: number }> {
    const totals = new Float32Array(2);
    for (const batch of batches) {
      const { sum, count } = tf.tidy(() => {
        const r = this.model.loss(batch, 0, false);
        return { sum: tf.keep(r.sum), count: r.count };
      });
      totals[0] = totals[0]! + (await sum.data())[0]!;
      totals[1] = totals[1]! + count;
      sum.dispose();
    }
    await this.group.allReduce(totals, 'sum');
    return { loss: totals[0]! / Math.max(1, totals[1]!), tokens: totals[1]! };
  }

  private uploadParameters(): void {
    const onWasm = tf.getBackend() === 'wasm';
    const backend = onWasm ? tf.backend() : undefined;
    this.vars.forEach((v, i) => {
      // On wasm, straight into the variable's heap memory when nothing else shares it.
      if (backend !== undefined && overwriteTensorData(backend, v, this.params[i]!)) return;
      // wasm copies the array into its heap; other backends may keep it, so they get a copy.
      const value = tf.tensor(onWasm ? this.params[i]! : this.params[i]!.slice(), v.shape, 'float32');
      v.assign(value);
      value.dispose();
    });
  }
}

/** Seconds covered by the union of the bucket intervals before `untilMs` (buckets queue one after another, so intervals may overlap). */
export function hiddenSeconds(buckets: readonly { readonly startMs: number; readonly endMs: number }[], untilMs: number): number {
  let hidden = 0;
  let reach = -Infinity;
  for (const b of [...buckets].sort((x, y) => x.startMs - y.startMs)) {
    const from = Math.max(b.startMs, reach);
    const to = Math.min(b.endMs, untilMs);
    if (to > from) hidden += to - from;
    reach = Math.max(reach, b.endMs);
  }
  return hidden / 1000;
}
