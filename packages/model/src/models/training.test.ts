/**
 * The model trains: a tiny Transformer overfits one batch, and a training step leaks no tensors
 * (the count stays flat across steps). Both on wasm, the default backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { transformerConfig } from '../config.js';
import type { Seq2SeqInputs } from './batch-inputs.js';
import { Seq2SeqTransformer } from './seq2seq-transformer.js';

const BATCH: Seq2SeqInputs = {
  size: 2,
  srcLen: 5,
  tgtLen: 5,
  src: Int32Array.from([5, 6, 7, 8, 2, 9, 10, 11, 2, 0]),
  tgtIn: Int32Array.from([1, 12, 13, 14, 15, 1, 16, 17, 0, 0]),
  tgtOut: Int32Array.from([12, 13, 14, 15, 2, 16, 17, 2, 0, 0]),
};

beforeAll(async () => {
  await selectBackend('wasm');
});

function trainStep(model: Seq2SeqTransformer, optimizer: tf.Optimizer, step: number, smoothing: number): number {
  model.rng.beginStep(step);
  return tf.tidy(() => {
    const vars = [...model.variables.values()];
    const { value, grads } = tf.variableGrads(() => {
      const { sum, count } = model.loss(BATCH, smoothing, true);
      return tf.div(sum, count) as tf.Scalar;
    }, vars);
    optimizer.applyGradients(grads);
    return value.dataSync()[0]!;
  });
}

describe('training', () => {
  it('a tiny model overfits one batch to near-zero loss', () => {
    const model = new Seq2SeqTransformer(
      transformerConfig({ vocabSize: 20, dModel: 32, heads: 2, dFf: 64, encoderLayers: 1, decoderLayers: 1, maxLen: 8, dropout: 0 }),
    );
    const optimizer = tf.train.adam(3e-3);
    const first = trainStep(model, optimizer, 0, 0);
    let last = first;
    for (let step = 1; step < 150; step++) last = trainStep(model, optimizer, step, 0);
    expect(first).toBeGreaterThan(2); // about ln(20) = 3.0 at the start
    expect(last).toBeLessThan(0.02);
    optimizer.dispose();
    model.dispose();
  });

  it('keeps tf.memory().numTensors flat across steps', () => {
    const model = new Seq2SeqTransformer(transformerConfig({ vocabSize: 20, dModel: 16, heads: 2, dFf: 32, encoderLayers: 1, decoderLayers: 1, maxLen: 8 }));
    const optimizer = tf.train.adam(1e-3);
    trainStep(model, optimizer, 0, 0.1); // creates the optimizer's slots
    const after1 = tf.memory().numTensors;
    for (let step = 1; step < 5; step++) trainStep(model, optimizer, step, 0.1);
    expect(tf.memory().numTensors).toBe(after1);
    optimizer.dispose();
    model.dispose();
  });

  it('draws the same dropout masks for the same (seed, step) and different ones for another step', () => {
    const model = new Seq2SeqTransformer(
      transformerConfig({ vocabSize: 20, dModel: 16, heads: 2, dFf: 32, encoderLayers: 1, decoderLayers: 1, maxLen: 8, dropout: 0.3 }),
    );
    const lossAt = (step: number) => {
      model.rng.beginStep(step);
      return tf.tidy(() => model.loss(BATCH, 0, true).sum.dataSync()[0]!);
    };
    expect(lossAt(4)).toBe(lossAt(4));
    expect(lossAt(5)).not.toBe(lossAt(4));
    model.dispose();
  });
});
