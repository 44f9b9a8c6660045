/**
 * Training on wasm-native (native kernel overrides, transposes in BLAS) follows the same loss
 * curve as plain wasm: same weights, same dropout masks, so the losses agree to rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { overrideStats } from '@orquesta/kernels';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { transformerConfig } from '../config.js';
import type { Seq2SeqInputs } from './batch-inputs.js';
import { Seq2SeqTransformer } from './seq2seq-transformer.js';

function batch(step: number): Seq2SeqInputs {
  const ids = (n: number, salt: number) => Int32Array.from({ length: n }, (_, i) => 4 + ((i * 7 + step * 13 + salt) % 40));
  return { size: 4, srcLen: 9, tgtLen: 7, src: ids(36, 1), tgtIn: ids(28, 2), tgtOut: ids(28, 3) };
}

async function losses(backend: string, steps: number): Promise<number[]> {
  await selectBackend(backend);
  const model = new Seq2SeqTransformer(
    transformerConfig({ vocabSize: 48, dModel: 32, heads: 4, dFf: 64, encoderLayers: 2, decoderLayers: 2, maxLen: 16, dropout: 0.1, seed: 7 }),
  );
  const optimizer: tf.Optimizer = tf.train.adam(2e-3);
  const vars = [...model.variables.values()];
  const out: number[] = [];
  for (let step = 0; step < steps; step++) {
    model.rng.beginStep(step);
    out.push(
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const { sum, count } = model.loss(batch(step), 0.1, true);
          return tf.div(sum, count) as tf.Scalar;
        }, vars);
        optimizer.applyGradients(grads);
        return value.dataSync()[0]!;
      }),
    );
  }
  optimizer.dispose();
  model.dispose();
  return out;
}

describe('wasm-native training', () => {
  it('matches plain wasm step for step, with the native kernels doing the work', async () => {
    const plain = await losses('wasm', 12);
    const before = overrideStats()['BatchMatMul']?.native ?? 0;
    const native = await losses('wasm-native', 12);
    expect(overrideStats()['BatchMatMul']!.native - before).toBeGreaterThan(100);
    expect(native[11]!).toBeLessThan(native[0]! - 0.3); // it learns
    for (let i = 0; i < plain.length; i++) expect(Math.abs(native[i]! - plain[i]!), `step ${i}`).toBeLessThan(2e-3 * Math.abs(plain[i]!));
  });
});
