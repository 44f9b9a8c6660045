import * as tf from '@tensorflow/tfjs-core';
import type { LayerNorm } from './layer-norm.js';

/**
 * One residual sub-layer around `f`:
 *   pre-LN:  x + drop(f(norm(x)))
 *   post-LN: norm(x + drop(f(x)))
 */
export function residual(
  x: tf.Tensor,
  norm: LayerNorm,
  placement: 'pre' | 'post',
  f: (input: tf.Tensor) => tf.Tensor,
  drop: (t: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  if (placement === 'pre') return tf.add(x, drop(f(norm.apply(x))));
  return norm.apply(tf.add(x, drop(f(x))));
}
