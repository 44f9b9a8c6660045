import * as tf from '@tensorflow/tfjs-core';
import { matMulNN } from './mat-mul.js';

/**
 * Sum over rows, [N, D] -> [D], as ones[1, N] . x. The wasm Sum kernel reduces a non-innermost
 * axis by transposing first; an untransposed matmul with a ones row is several times faster.
 */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  const n = x.shape[0];
  return tf.reshape(matMulNN(tf.ones([1, n]), x), [x.shape[1]]);
}
