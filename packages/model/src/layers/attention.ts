import * as tf from '@tensorflow/tfjs-core';
import { matMul } from '../ops/mat-mul.js';

/**
 * softmax(q k^T / sqrt(dh) + bias) v.
 * @param q [B, H, Tq, dh]
 * @param k [B, H, Tk, dh]
 * @param v [B, H, Tk, dh]
 * @param bias additive mask broadcastable to [B, H, Tq, Tk], or undefined
 * @param dropWeights dropout on the attention weights (identity when not training)
 * @returns [B, H, Tq, dh]
 */
export function scaledDotProductAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  bias: tf.Tensor | undefined,
  dropWeights: (weights: tf.Tensor4D) => tf.Tensor4D = (w) => w,
): tf.Tensor4D {
  const dh = q.shape[3];
  const scaled = tf.mul(q, 1 / Math.sqrt(dh)); // [B, H, Tq, dh]
  let scores = matMul(scaled, k, false, true) as tf.Tensor4D; // [B, H, Tq, Tk]
  if (bias) scores = tf.add(scores, bias);
  const weights = dropWeights(tf.softmax(scores)); // [B, H, Tq, Tk]
  return matMul(weights, v) as tf.Tensor4D; // [B, H, Tq, dh]
}
