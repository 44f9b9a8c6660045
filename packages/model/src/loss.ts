/**
 * Label-smoothed cross-entropy that ignores padding. Returns the summed loss and the number of
 * target tokens it covers, so data-parallel workers can all-reduce both and average by the
 * global token count. The smoothed target puts 1 - eps + eps/V on the true token and eps/V on
 * every token:
 *   loss_i = -sum_v q_iv log p_iv = (1 - eps) nll_i + eps * mean_v(-log p_iv)
 * The gradient is written out (one fused custom gradient) rather than taped, which keeps one
 * [N, V] tensor alive between forward and backward instead of half a dozen:
 *   dloss/dlogits_iv = w_i (p_iv - q_iv),   w_i = 1 for real targets, 0 for padding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '@orquesta/kernels';
import { fusedNativeKernels } from './backend/product-style.js';

type CustomGradient = Parameters<typeof tf.customGrad>[0];

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
  const weights = new Float32Array(n); // [N]: 1 for real targets, 0 for padding
  const picks = new Int32Array(2 * n); // [N, 2]: (row, target) pairs
  let count = 0;
  for (let i = 0; i < n; i++) {
    const target = targets[i] ?? padId;
    picks[2 * i] = i;
    picks[2 * i + 1] = target;
    if (target !== padId) {
      weights[i] = 1;
      count++;
    }
  }
  if (fusedNativeKernels()) return { sum: fusedLoss(logits, picks, weights, epsilon), count };
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    // Intermediates of the forward pass are freed here; only logp, w and index are kept.
    const [value, logp, w, index] = tf.tidy(() => {
      const weight = tf.tensor1d(weights); // [N]
      const at = tf.tensor2d(picks, [n, 2], 'int32'); // [N, 2]
      const lp = tf.logSoftmax(x); // [N, V]
      const nll = tf.neg(tf.gatherND(lp, at)); // [N]
      const smooth = tf.neg(tf.mean(lp, 1)); // [N]
      const perToken = tf.add(tf.mul(nll, 1 - epsilon), tf.mul(smooth, epsilon)); // [N]
      return [tf.sum(tf.mul(perToken, weight)), lp, weight, at];
    }) as [tf.Scalar, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
    save([logp, w, index]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        return tf.tidy(() => {
          const [savedLogp, savedW, savedIndex] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
          const scale = tf.mul(savedW, dy as tf.Scalar); // [N]
          const column = tf.reshape(scale, [n, 1]); // [N, 1]
          const smoothed = tf.mul(tf.sub(tf.exp(savedLogp), epsilon / vocab), column); // [N, V]: w (p - eps/V)
          const onTarget = tf.scatterND(savedIndex, tf.mul(scale, 1 - epsilon), [n, vocab]); // [N, V]: w (1 - eps) at targets
          return [tf.sub(smoothed, onTarget)];
        });
      },
    };
  }) as unknown as CustomGradient);
  return { sum: op(logits) as tf.Scalar, count };
}

/**
 * On wasm-native: one native kernel computes the per-token losses and dloss/dlogits together
 * (three passes over each row); the backward pass only scales the saved gradient by dy.
 */
function fusedLoss(logits: tf.Tensor2D, picks: Int32Array, weights: Float32Array, epsilon: number): tf.Scalar {
  const n = weights.length;
  const targets = Int32Array.from({ length: n }, (_, i) => picks[2 * i + 1]!);
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const [value, grad] = tf.tidy(() => {
      const inputs = { logits: x, targets: tf.tensor1d(targets, 'int32'), weights: tf.tensor1d(weights) };
      const [perToken, dlogits] = tf.engine().runKernel(FUSED_KERNELS.softmaxCrossEntropy, inputs, { epsilon }) as tf.Tensor[]; // [N], [N, V]
      return [tf.sum(perToken!), dlogits!];
    }) as [tf.Scalar, tf.Tensor2D];
    save([grad]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.mul(saved[0]!, dy as tf.Scalar)],
    };
  }) as unknown as CustomGradient);
  return op(logits) as tf.Scalar;
}
