/**
 * Add, Sub, Multiply and RealDiv on float32 with numpy broadcasting: each operand is read
 * through strides over the output shape, 0 along the axes where it broadcasts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { BinaryOp } from '../addon.js';
import type { KernelOverride } from '../override.js';
import { plainFloat, stridesOf } from './shape.js';

const KERNELS = { Add: BinaryOp.add, Sub: BinaryOp.sub, Multiply: BinaryOp.mul, RealDiv: BinaryOp.div } as const;

/** Strides of `shape` read over `outShape` (right-aligned), 0 where it broadcasts. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const pad = outShape.length - shape.length;
  return outShape.map((size, d) => {
    if (d < pad) return 0;
    const s = shape[d - pad]!;
    return s === 1 && size !== 1 ? 0 : own[d - pad]!;
  });
}

export function binaryOverrides(addon: NativeAddon): KernelOverride[] {
  return Object.entries(KERNELS).map(([kernelName, op]) => ({
    kernelName,
    run: ({ inputs, heap }) => {
      const a = inputs['a']!;
      const b = inputs['b']!;
      if (!plainFloat(a, b)) return null;
      let outShape: number[];
      try {
        outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      } catch {
        return null; // tfjs raises its own error
      }
      if (outShape.length > 6) return null;
      const out = heap.output(outShape);
      addon.binary(
        heap.heap,
        op,
        outShape,
        heap.offset(a),
        broadcastStrides(a.shape, outShape),
        heap.offset(b),
        broadcastStrides(b.shape, outShape),
        heap.offset(out),
      );
      return out;
    },
  }));
}
