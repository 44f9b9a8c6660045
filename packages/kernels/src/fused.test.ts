/** The fused kernels against the same maths written with tfjs ops on plain wasm. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUSED_KERNELS, fusedKernelsActive, installNativeKernels, setNativeKernelsEnabled } from './index.js';

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

function run(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor[];
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  installNativeKernels({ blasThreads: 1 });
  setNativeKernelsEnabled(false); // references below run on the original wasm kernels
});

describe('fused kernels', () => {
  it('are active only while the native kernels are switched on', () => {
    expect(fusedKernelsActive()).toBe(false);
    setNativeKernelsEnabled(true);
    expect(fusedKernelsActive()).toBe(true);
    setNativeKernelsEnabled(false);
  });

  it('OrqLayerNorm and OrqLayerNormGrad match the written-out formulas', () => {
    const [rows, d, eps] = [300, 37, 1e-5];
    const x = tf.add(tf.mul(tf.randomNormal([rows, d], 0, 1, 'float32', 1), 3), 0.5);
    const gamma = tf.randomNormal([d], 1, 0.2, 'float32', 2);
    const beta = tf.randomNormal([d], 0, 0.2, 'float32', 3);
    const dy = tf.randomNormal([rows, d], 0, 1, 'float32', 4);
    const [y, xhat, rstd] = run(FUSED_KERNELS.layerNorm, { x, gamma, beta }, { eps });
    const mean = tf.mean(x, 1, true);
    const inv = tf.rsqrt(tf.add(tf.mean(tf.square(tf.sub(x, mean)), 1, true), eps));
    const refXhat = tf.mul(tf.sub(x, mean), inv);
    expect(maxDiff(xhat!, refXhat)).toBeLessThan(1e-5);
    expect(maxDiff(rstd!, tf.reshape(inv, [rows]))).toBeLessThan(1e-5);
    expect(maxDiff(y!, tf.add(tf.mul(refXhat, gamma), beta))).toBeLessThan(1e-5);
    const [dx, dgamma, dbeta] = run(FUSED_KERNELS.layerNormGrad, { dy, xhat: xhat!, rstd: rstd!, gamma });
    const gx = tf.mul(dy, gamma);
    const refDx = tf.mul(tf.sub(tf.sub(gx, tf.mean(gx, 1, true)), tf.mul(refXhat, tf.mean(tf.mul(gx, refXhat), 1, true))), inv);
    expect(maxDiff(dx!, refDx)).toBeLessThan(1e-5);
    expect(maxDiff(dgamma!, tf.sum(tf.mul(dy, refXhat), 0))).toBeLessThan(1e-4);
    expect(maxDiff(dbeta!, tf.sum(dy, 0))).toBeLessThan(1e-4);
  });

  it('OrqSoftmaxCrossEntropy gives the label-smoothed loss and its gradient, ignoring weight-0 rows', () => {
    const [n, v, eps] = [64, 1001, 0.1];
    const logits = tf.mul(tf.randomNormal([n, v], 0, 1, 'float32', 5), 4);
    const targetIds = Int32Array.from({ length: n }, (_, i) => (i * 37) % v);
    const w = Float32Array.from({ length: n }, (_, i) => (i % 5 === 4 ? 0 : 1));
    const [loss, grad] = run(
      FUSED_KERNELS.softmaxCrossEntropy,
      { logits, targets: tf.tensor1d(targetIds, 'int32'), weights: tf.tensor1d(w) },
      { epsilon: eps },
    );
    const lp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.tensor1d(targetIds, 'int32'), v);
    const q = tf.add(tf.mul(onehot, 1 - eps), eps / v);
    const weight = tf.reshape(tf.tensor1d(w), [n, 1]);
    const refLoss = tf.mul(tf.neg(tf.sum(tf.mul(q, lp), 1)), tf.tensor1d(w));
    expect(maxDiff(loss!, refLoss)).toBeLessThan(1e-4);
    expect(maxDiff(grad!, tf.mul(tf.sub(tf.exp(lp), q), weight))).toBeLessThan(1e-5);
  });

  it('rejects a target outside the vocabulary', () => {
    const logits = tf.zeros([2, 5]);
    expect(() => run(FUSED_KERNELS.softmaxCrossEntropy, { logits, targets: tf.tensor1d([1, 5], 'int32'), weights: tf.ones([2]) }, { epsilon: 0 })).toThrow(
      /target 5 of row 1 is not in \[0, 4\]/,
    );
  });
});
