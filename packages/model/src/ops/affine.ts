/**
 * y = x W + b with a written-out gradient and no broadcast-sum: dx = dy W^T, dW = x^T dy,
 * db = column sums of dy. On pure wasm the transposes are materialised so every product stays
 * untransposed (see mat-mul.ts for why).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fastTransposedProducts } from '../backend/product-style.js';
import { columnSum } from './column-sum.js';

type CustomGradient = Parameters<typeof tf.customGrad>[0];

const affineOp = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b), // [N, out]
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
        const g = dy as tf.Tensor2D; // [N, out]
        if (fastTransposedProducts()) return [tf.matMul(g, sw, false, true), tf.matMul(sx, g, true, false), columnSum(g)];
        return [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sx), g), columnSum(g)];
      }),
  };
}) as unknown as CustomGradient);

/** [N, in] . [in, out] + [out] -> [N, out] */
export function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return affineOp(x, w, b) as tf.Tensor2D;
}
