/**
 * Matrix products that stay fast on every backend.
 *
 * On the pure wasm backend BatchMatMul is fast (XNNPACK) only with transposeA = transposeB =
 * false: measured [2048x256]x[256x1024] at 40.5 GFLOP/s NN against 3.6 NT, 0.9 TN and 1.05 TT.
 * tfjs's own matMul gradient uses the transposed forms, so there the transposes are
 * materialised with `tf.transpose` (a memory copy) and the products stay NN:
 *   1. forward:  y = a . b
 *   2. backward: da = dy . b^T,   db = a^T . dy
 * On backends whose transposed products are fast (wasm-native hands the flags to cblas) the
 * plain `tf.matMul` with flags and its stock gradient are used instead.
 * Rank 2 and batched (rank 3 or 4, same leading dims) operands are supported.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fastTransposedProducts } from '../backend/product-style.js';

type CustomGradient = Parameters<typeof tf.customGrad>[0];

function swapLastTwo(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1]!, perm[n - 2]!];
  return tf.transpose(x, perm);
}

function product(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank === 2 && b.rank === 2) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  // [..., M, K] . [..., K, N] -> [..., M, N]; batch dims flattened for BatchMatMul.
  const lead = a.shape.slice(0, -2);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.rank - 1]!;
  const batch = lead.reduce((x, y) => x * y, 1);
  const y = tf.matMul(tf.reshape(a, [batch, m, k]) as tf.Tensor3D, tf.reshape(b, [batch, k, n]) as tf.Tensor3D);
  return tf.reshape(y, [...lead, m, n]);
}

const matMulNNOp = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: product(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      // tidy: the materialised transposes are freed as soon as the products exist.
      return tf.tidy(() => {
        const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
        const g = dy as tf.Tensor;
        return [product(g, swapLastTwo(sb)), product(swapLastTwo(sa), g)];
      });
    },
  };
}) as unknown as CustomGradient);

/** `a . b` for [M, K] x [K, N] or [..., M, K] x [..., K, N], NN kernels only, forward and backward. */
export function matMulNN<T extends tf.Tensor>(a: T, b: tf.Tensor): T {
  return matMulNNOp(a, b) as T;
}

/**
 * op(a) . op(b), op = transpose of the last two axes where asked: the flags go to the kernel
 * on backends with fast transposed products, otherwise the transposes are materialised and
 * the product (and its gradient) stays untransposed.
 */
export function matMul<T extends tf.Tensor>(a: T, b: tf.Tensor, transposeA = false, transposeB = false): T {
  if (fastTransposedProducts()) return tf.matMul(a, b, transposeA, transposeB) as T;
  return matMulNN(transposeA ? (swapLastTwo(a) as T) : a, transposeB ? swapLastTwo(b) : b);
}
