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

/**
 * Future positions for `t` queries that start at position `offset` (incremental decoding feeds
 * positions offset..offset+t-1 against offset+t keys): [1, 1, t, offset + t], entry (i, j)
 * masked when j > offset + i.
 */
export function causalBias(t: number, offset = 0): tf.Tensor4D {
  const keys = offset + t;
  const values = new Float32Array(t * keys);
  for (let i = 0; i < t; i++) for (let j = offset + i + 1; j < keys; j++) values[i * keys + j] = MASKED;
  return tf.tensor4d(values, [1, 1, t, keys]);
}
