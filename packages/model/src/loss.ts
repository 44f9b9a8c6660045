/**
 * Label-smoothed cross-entropy that ignores padding. Returns the summed loss and the number of
 * target tokens it covers, so data-parallel workers can all-reduce both and average by the
 * global token count. The smoothed target puts 1 - eps + eps/V on the true token and eps/V on
 * every token:  loss_i = -sum_v q_iv log p_iv = (1 - eps) nll_i + eps * mean_v(-log p_iv).
 * nll_i is read with a row lookup on the flattened log-probabilities, whose gradient is a
 * scatter (no oneHot, no UnsortedSegmentSum, both of which the wasm backend handles badly).
 */
import * as tf from '@tensorflow/tfjs-core';
import { embeddingLookup } from './ops/embedding-lookup.js';

export interface LossResult {
  /** Sum of the per-token losses over non-pad targets. Scalar. */
  readonly sum: tf.Scalar;
  /** Non-pad target tokens. */
  readonly count: number;
}

/**
 * @param logits [N, V]
 * @param targets [N] token ids (pad ids are ignored)
 */
export function labelSmoothedCrossEntropy(logits: tf.Tensor2D, targets: Int32Array, padId: number, epsilon: number): LossResult {
  const [n, vocab] = logits.shape;
  const mask = new Float32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (targets[i] !== padId) {
      mask[i] = 1;
      count++;
    }
  }
  const flatIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) flatIndex[i] = i * vocab + (targets[i] ?? 0);
  const logp = tf.logSoftmax(logits); // [N, V]
  const picked = embeddingLookup(tf.reshape(logp, [n * vocab, 1]) as tf.Tensor2D, tf.tensor1d(flatIndex, 'int32')); // [N, 1]
  const nll = tf.neg(tf.reshape(picked, [n])); // [N]
  const smooth = tf.neg(tf.mean(logp, 1)); // [N]
  const perToken = tf.add(tf.mul(nll, 1 - epsilon), tf.mul(smooth, epsilon)); // [N]
  const sum = tf.sum(tf.mul(perToken, tf.tensor1d(mask))) as tf.Scalar;
  return { sum, count };
}
