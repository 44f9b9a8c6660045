/**
 * Layer normalisation over the last axis with a written-out gradient. The taped version keeps
 * six full-size intermediates per call; this one keeps the normalised input x^ and 1/sigma.
 *   forward:  x^ = (x - mean) / sqrt(var + eps),  y = x^ gamma + beta
 *   backward: g = dy gamma
 *             dx = (g - mean(g) - x^ mean(g x^)) / sigma        (means over the last axis)
 *             dgamma = sum over rows of dy x^,  dbeta = sum over rows of dy
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '@orquesta/kernels';
import { fusedNativeKernels } from '../backend/product-style.js';
import { columnSum } from './column-sum.js';

type CustomGradient = Parameters<typeof tf.customGrad>[0];

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const d = x.shape[x.rank - 1]!;
  if (fusedNativeKernels()) return fusedLayerNorm(x, gamma, beta, eps, d);
  const op = tf.customGrad(((input: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, xhat, rstd] = tf.tidy(() => {
      const rows = tf.reshape(input, [-1, d]); // [N, D]
      const mean = tf.mean(rows, 1, true); // [N, 1]
      const centered = tf.sub(rows, mean); // [N, D]
      const inv = tf.rsqrt(tf.add(tf.mean(tf.square(centered), 1, true), eps)); // [N, 1]
      const normed = tf.mul(centered, inv); // [N, D]
      return [tf.reshape(tf.add(tf.mul(normed, g), b), input.shape), normed, inv];
    }) as [tf.Tensor, tf.Tensor2D, tf.Tensor2D];
    save([xhat, rstd, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        return tf.tidy(() => {
          const [sx, sr, sg] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const dyRows = tf.reshape(dy as tf.Tensor, [-1, d]); // [N, D]
          const gx = tf.mul(dyRows, sg); // [N, D]
          const meanG = tf.mean(gx, 1, true); // [N, 1]
          const meanGX = tf.mean(tf.mul(gx, sx), 1, true); // [N, 1]
          const dx = tf.mul(tf.sub(tf.sub(gx, meanG), tf.mul(sx, meanGX)), sr); // [N, D]
          const dGamma = columnSum(tf.mul(dyRows, sx) as tf.Tensor2D); // [D]
          const dBeta = columnSum(dyRows as tf.Tensor2D); // [D]
          return [tf.reshape(dx, (dy as tf.Tensor).shape), dGamma, dBeta];
        });
      },
    };
  }) as unknown as CustomGradient);
  return op(x, gamma, beta) as tf.Tensor;
}

/** The same layer norm as two native kernels (forward, backward) on wasm-native. */
function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, d: number): tf.Tensor {
  const op = tf.customGrad(((input: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, xhat, rstd] = tf.engine().runKernel(FUSED_KERNELS.layerNorm, { x: tf.reshape(input, [-1, d]), gamma: g, beta: b }, { eps }) as tf.Tensor[]; // [N, D], [N, D], [N]
    save([xhat!, rstd!, g]);
    return {
      value: tf.reshape(y!, input.shape),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sr, sg] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const grad = dy as tf.Tensor;
        const [dx, dGamma, dBeta] = tf
          .engine()
          .runKernel(FUSED_KERNELS.layerNormGrad, { dy: tf.reshape(grad, [-1, d]), xhat: sx, rstd: sr, gamma: sg }, {}) as tf.Tensor[];
        return [tf.reshape(dx!, grad.shape), dGamma!, dBeta!];
      },
    };
  }) as unknown as CustomGradient);
  return op(x, gamma, beta) as tf.Tensor;
}
