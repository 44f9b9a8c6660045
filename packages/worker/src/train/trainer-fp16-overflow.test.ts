/**
 * A trainer step whose summed gradients leave fp16's range (|x| > 65504) with fp16 on the wire: the
 * trainer's sum hook must end with finite parameters, here bit-identical to the float32 run, while a
 * plain fp16 all-reduce of the same gradients overflows to infinity.
 */
import * as tf from '@tensorflow/tfjs-core';
import { allReduceSumHook, createInMemoryGroups, fp16CompressSumHook, type CommHook } from '@orquesta/collective';
import type { Seq2SeqBatch } from '@orquesta/data';
import { defaultTransformerConfig, selectBackend } from '@orquesta/model';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainableModel } from './trainable-model.js';
import type { TrainerConfig } from './trainer-config.js';
import { Trainer } from './trainer.js';

/**
 * Each rank's gradients, one per variable: 2 x 6e4 = 1.2e5 fits fp16 only once scaled by 1/N, and
 * 2 x 1e5 overflows even then (the float32 fallback). With 8-byte buckets each gets a bucket of its own.
 */
const GRADIENTS = [Float32Array.of(6e4, -6e4), Float32Array.of(1e5, 3)];

/** A model whose loss sum is sum_i(w_i . g_i) over one target token: its gradients are GRADIENTS. */
function linearModel(): TrainableModel {
  const weights = GRADIENTS.map((g) => tf.variable(tf.zeros([g.length])));
  return {
    config: defaultTransformerConfig(8),
    variables: new Map(weights.map((w, i) => [`w${i}`, w])),
    beginStep: () => undefined,
    loss: () => ({ sum: tf.addN(weights.map((w, i) => tf.sum(tf.mul(w, tf.tensor1d(GRADIENTS[i] as Float32Array))))) as tf.Scalar, count: 1 }),
    seq2seq: undefined,
    dispose: () => weights.forEach((w) => w.dispose()),
  };
}

const BATCH = {
  size: 1,
  srcLen: 1,
  tgtLen: 1,
  src: Int32Array.of(4),
  tgtIn: Int32Array.of(4),
  tgtOut: Int32Array.of(4),
  srcTokens: 1,
  tgtTokens: 1,
  indices: new Int32Array(1),
} as Seq2SeqBatch;

function configWith(hook: CommHook): TrainerConfig {
  return {
    optimizer: { kind: 'sgd', lr: 1e-3, betas: [0.9, 0.98], eps: 1e-9, weight_decay: 0, warmup_steps: 0, schedule: 'constant', clip_norm: 0, shard: false },
    accumulate: 1,
    labelSmoothing: 0,
    maxSteps: 10,
    bucketBytes: 8,
    hook,
  };
}

/** One step on two in-memory ranks; every rank's parameters and the step's bucket count. */
async function stepTwoRanks(hook: CommHook): Promise<{ params: Float32Array[][]; buckets: number }> {
  const groups = createInMemoryGroups(2);
  const trainers = groups.map((group) => new Trainer(configWith(hook), group, linearModel(), async () => BATCH));
  await Promise.all(trainers.map((t) => t.broadcastParameters()));
  const stats = await Promise.all(trainers.map((t) => t.trainStep()));
  return { params: trainers.map((t) => t.params.map((p) => p.slice())), buckets: stats[0]!.buckets.length };
}

const bits = (params: readonly Float32Array[]) => Buffer.concat(params.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('Trainer with fp16 on the wire', () => {
  it('a plain fp16 sum of these gradients overflows (the case under test is real)', async () => {
    const rawFp16: CommHook = (state, bucket) => state.group.allReduce(bucket.buffer, 'sum', { compression: 'fp16' });
    const { params } = await stepTwoRanks(rawFp16);
    expect(params[0]!.some((p) => p.some((v) => !Number.isFinite(v)))).toBe(true);
  });

  it('ends a step whose gradient sums exceed 65504 with finite parameters, bit-identical to float32', async () => {
    const f32 = await stepTwoRanks(allReduceSumHook);
    const f16 = await stepTwoRanks(fp16CompressSumHook);
    expect(f16.buckets).toBe(2);
    for (const rank of f16.params) for (const p of rank) for (const v of p) expect(Number.isFinite(v)).toBe(true);
    // sgd from 0: p = -lr * (sum over ranks of g) / (2 tokens) = -1e-3 * g
    expect([...f32.params[0]![0]!]).toEqual([Math.fround(-1e-3 * 6e4), Math.fround(1e-3 * 6e4)]);
    for (const rank of f16.params) expect(bits(rank).equals(bits(f32.params[0]!))).toBe(true);
  });
});
