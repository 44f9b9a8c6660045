/** Shape helpers shared by the overrides. */
import type * as tf from '@tensorflow/tfjs-core';

export const MAX_RANK = 6;

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major element strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** Non-empty float32 tensors of rank <= 6: the layouts the native kernels handle. */
export function plainFloat(...ts: tf.TensorInfo[]): boolean {
  return ts.every((t) => t.dtype === 'float32' && t.shape.length <= MAX_RANK && sizeOf(t.shape) > 0);
}
