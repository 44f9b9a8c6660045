import * as tf from '@tensorflow/tfjs-core';
import { fastTransposedProducts } from '../backend/product-style.js';
import { matMulNN } from './mat-mul.js';

/**
 * Sum over rows, [N, D] -> [D]. The pure wasm Sum kernel reduces a non-innermost axis by
 * transposing first, so there it is ones[1, N] . x (an untransposed matmul, several times
 * faster); backends with native kernels sum in place.
 */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  if (fastTransposedProducts()) return tf.sum(x, 0);
  const n = x.shape[0];
  return tf.reshape(matMulNN(tf.ones([1, n]), x), [x.shape[1]]);
}
