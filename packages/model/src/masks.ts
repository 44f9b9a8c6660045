/**
 * Attention masks as additive biases: 0 where attending is allowed, -1e9 where it is not, so
 * the softmax gives those positions zero weight. Shapes broadcast against scores [B, H, Tq, Tk].
 */
import * as tf from '@tensorflow/tfjs-core';

export const MASKED = -1e9;

/** Keys that are padding: [B, Tk] token ids -> [B, 1, 1, Tk]. */
export function paddingBias(ids: tf.Tensor2D, padId: number): tf.Tensor4D {
  const [b, t] = ids.shape;
  return tf.reshape(tf.mul(tf.cast(tf.equal(ids, padId), 'float32'), MASKED), [b, 1, 1, t]);
}

/** Future positions: [1, 1, T, T], entry (i, j) masked when j > i. */
export function causalBias(t: number): tf.Tensor4D {
  const values = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) values[i * t + j] = MASKED;
  return tf.tensor4d(values, [1, 1, t, t]);
}
