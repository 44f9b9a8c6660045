import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { matMulNN } from './mat-mul.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
}

describe('matMulNN', () => {
  it.each([
    ['rank 2', [5, 3], [3, 4]],
    ['rank 3', [2, 5, 3], [2, 3, 4]],
    ['rank 4', [2, 3, 5, 6], [2, 3, 6, 4]],
  ])('%s: same value and gradients as tf.matMul', (_what, shapeA, shapeB) => {
    const a = tf.randomNormal(shapeA, 0, 1, 'float32', 1);
    const b = tf.randomNormal(shapeB, 0, 1, 'float32', 2);
    const dy = tf.randomNormal([...shapeA.slice(0, -1), shapeB.at(-1)!], 0, 1, 'float32', 3);
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMulNN(x, y), dy)));
    const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), dy)));
    expect(maxAbsDiff(matMulNN(a, b), tf.matMul(a, b))).toBeLessThan(1e-5);
    const [da, db] = ours([a, b]);
    const [ea, eb] = theirs([a, b]);
    expect(maxAbsDiff(da!, ea!)).toBeLessThan(1e-5);
    expect(maxAbsDiff(db!, eb!)).toBeLessThan(1e-5);
  });
});
