/** Elementwise float32 kernels: Exp (vectorised through libmvec), Sqrt, Rsqrt, Square, Relu, Neg. */
import type { NativeAddon } from '../addon.js';
import { UnaryOp } from '../addon.js';
import type { KernelOverride } from '../override.js';
import { plainFloat, sizeOf } from './shape.js';

const KERNELS = { Exp: UnaryOp.exp, Sqrt: UnaryOp.sqrt, Rsqrt: UnaryOp.rsqrt, Square: UnaryOp.square, Relu: UnaryOp.relu, Neg: UnaryOp.neg } as const;

export function unaryOverrides(addon: NativeAddon): KernelOverride[] {
  return Object.entries(KERNELS).map(([kernelName, op]) => ({
    kernelName,
    run: ({ inputs, heap }) => {
      const x = inputs['x']!;
      if (!plainFloat(x)) return null;
      const out = heap.output([...x.shape]);
      addon.unary(heap.heap, op, heap.offset(x), sizeOf(x.shape), heap.offset(out));
      return out;
    },
  }));
}
