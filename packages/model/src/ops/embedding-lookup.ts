/**
 * Embedding lookup with a gradient that works on every backend.
 *
 * `tf.gather`'s gradient needs the UnsortedSegmentSum kernel, which the wasm backend lacks.
 * Here the gradient is a `scatterND`, which sums the rows of repeated ids:
 *   1. forward:  out[i] = table[ids[i]]                 // [N, D]
 *   2. backward: dtable = scatterND(ids, dout, [V, D])  // rows of repeated ids add up
 */
import * as tf from '@tensorflow/tfjs-core';

type CustomGradient = Parameters<typeof tf.customGrad>[0];

const lookupOp = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      return tf.tidy(() => {
        const [savedIds] = saved as [tf.Tensor];
        const g = dy as tf.Tensor; // [N, D]
        const dTable = tf.scatterND(tf.reshape(savedIds, [-1, 1]), g, table.shape);
        return [dTable, tf.zerosLike(savedIds)];
      });
    },
  };
}) as unknown as CustomGradient);

/** Rows of `table` [V, D] at `ids` (int32 [N]) -> [N, D]. */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  return lookupOp(table, ids) as tf.Tensor2D;
}
