/**
 * Finite-difference checks of the analytic gradients (central differences on cpu, float32).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend/select-backend.js';
import { scaledDotProductAttention } from './layers/attention.js';
import { LayerNorm } from './layers/layer-norm.js';
import { labelSmoothedCrossEntropy } from './loss.js';
import { layerNorm } from './ops/layer-norm-op.js';
import { causalBias } from './masks.js';
import { ParameterStore } from './parameters.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** Largest |analytic - numeric| / max(1, |numeric|) over every element of x. */
function gradientError(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, h = 1e-2): number {
  const analytic = tf.grad(f)(x).dataSync();
  const base = x.dataSync().slice();
  let worst = 0;
  for (let i = 0; i < base.length; i++) {
    const shifted = (delta: number) => {
      const values = base.slice();
      values[i]! += delta;
      return f(tf.tensor(values, x.shape)).dataSync()[0]!;
    };
    const numeric = (shifted(h) - shifted(-h)) / (2 * h);
    worst = Math.max(worst, Math.abs(analytic[i]! - numeric) / Math.max(1, Math.abs(numeric)));
  }
  return worst;
}

describe('gradients agree with finite differences', () => {
  it('scaled dot-product attention with a causal mask, through q, k and v', () => {
    const shape: [number, number, number, number] = [1, 2, 3, 4];
    const q = tf.randomNormal(shape, 0, 1, 'float32', 1) as tf.Tensor4D;
    const k = tf.randomNormal(shape, 0, 1, 'float32', 2) as tf.Tensor4D;
    const v = tf.randomNormal(shape, 0, 1, 'float32', 3) as tf.Tensor4D;
    const w = tf.randomNormal(shape, 0, 1, 'float32', 4);
    const mask = causalBias(3);
    const out = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) =>
      tf.sum(tf.mul(scaledDotProductAttention(qq as tf.Tensor4D, kk as tf.Tensor4D, vv as tf.Tensor4D, mask), w)) as tf.Scalar;
    expect(gradientError((x) => out(x, k, v), q)).toBeLessThan(2e-2);
    expect(gradientError((x) => out(q, x, v), k)).toBeLessThan(2e-2);
    expect(gradientError((x) => out(q, k, x), v)).toBeLessThan(2e-2);
  });

  it('layer norm, through its input, scale and shift', () => {
    const norm = new LayerNorm(new ParameterStore(1), 'ln', 6);
    norm.gamma.assign(tf.randomNormal([6], 1, 0.3, 'float32', 5));
    const x = tf.randomNormal([3, 6], 0, 2, 'float32', 6);
    const w = tf.randomNormal([3, 6], 0, 1, 'float32', 7);
    expect(gradientError((input) => tf.sum(tf.mul(norm.apply(input), w)) as tf.Scalar, x)).toBeLessThan(2e-2);
    const viaGamma = (g: tf.Tensor) => tf.sum(tf.mul(layerNorm(x, g, norm.beta, 1e-5), w)) as tf.Scalar;
    const viaBeta = (b: tf.Tensor) => tf.sum(tf.mul(layerNorm(x, norm.gamma, b, 1e-5), w)) as tf.Scalar;
    expect(gradientError(viaGamma, tf.randomNormal([6], 1, 0.3, 'float32', 9))).toBeLessThan(2e-2);
    expect(gradientError(viaBeta, tf.randomNormal([6], 0, 0.3, 'float32', 10))).toBeLessThan(2e-2);
  });

  it('label-smoothed cross-entropy, ignoring padding', () => {
    const logits = tf.randomNormal([4, 7], 0, 2, 'float32', 8);
    const targets = Int32Array.from([3, 0, 6, 1]);
    const loss = (l: tf.Tensor) => labelSmoothedCrossEntropy(l as tf.Tensor2D, targets, 0, 0.1).sum;
    expect(gradientError(loss, logits)).toBeLessThan(1e-2);
    const grad = tf.grad(loss)(logits).arraySync() as number[][];
    expect(grad[1]!.every((g) => g === 0)).toBe(true); // the padded row gets no gradient
  });

  it('the loss counts only non-pad targets and equals a hand computation', () => {
    const logits = tf.tensor2d([
      [0, 1, 2],
      [2, 0, 0],
    ]);
    const { sum, count } = labelSmoothedCrossEntropy(logits, Int32Array.from([2, 0]), 0, 0.3);
    const lse = Math.log(1 + Math.E + Math.E ** 2);
    const expected = 0.7 * (lse - 2) + 0.3 * (lse - 1);
    expect(count).toBe(1);
    expect(sum.dataSync()[0]).toBeCloseTo(expected, 5);
  });
});
