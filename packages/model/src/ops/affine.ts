/**
 * y = x W + b with a written-out gradient that uses only untransposed matmuls and no
 * broadcast-sum: dx = dy W^T, dW = x^T dy, db = ones . dy (see mat-mul.ts for why).
 */
import * as tf from '@tensorflow/tfjs-core';
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
        return [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sx), g), columnSum(g)];
      }),
  };
}) as unknown as CustomGradient);

/** [N, in] . [in, out] + [out] -> [N, out] */
export function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return affineOp(x, w, b) as tf.Tensor2D;
}

