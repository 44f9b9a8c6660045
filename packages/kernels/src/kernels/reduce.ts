/**
 * Sum, Mean and Max over a contiguous block of axes, reduced in place as [outer, red, inner] with no
 * transpose (the wasm Sum transposes whenever the reduced axes are not innermost).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import type { KernelOverride, OverrideCall } from '../override.js';
import { plainFloat, sizeOf } from './shape.js';

function reduceOverride(kernelName: 'Sum' | 'Mean' | 'Max', axisAttr: string, addon: NativeAddon): KernelOverride {
  const run = ({ inputs, attrs, heap }: OverrideCall): tf.TensorInfo | null => {
    const x = inputs['x']!;
    if (!plainFloat(x)) return null;
    const shape = x.shape;
    const axes = [...new Set(tf.util.parseAxisParam(attrs[axisAttr] as number | number[], shape))].sort((p, q) => p - q);
    if (axes.length === 0) return null;
    const first = axes[0]!;
    const last = axes[axes.length - 1]!;
    if (last - first + 1 !== axes.length) return null; // not one contiguous block of axes
    const outer = sizeOf(shape.slice(0, first));
    const red = sizeOf(shape.slice(first, last + 1));
    if (red === 0) return null;
    const inner = sizeOf(shape.slice(last + 1));
    const outShape = attrs['keepDims'] === true ? shape.map((s, d) => (d >= first && d <= last ? 1 : s)) : [...shape.slice(0, first), ...shape.slice(last + 1)];
    const out = heap.output(outShape);
    const call = { Sum: addon.sum, Mean: addon.mean, Max: addon.max }[kernelName];
    call(heap.heap, heap.offset(x), outer, red, inner, heap.offset(out));
    return out;
  };
  return { kernelName, run };
}

export const sumOverride = (addon: NativeAddon): KernelOverride => reduceOverride('Sum', 'axis', addon);
export const maxOverride = (addon: NativeAddon): KernelOverride => reduceOverride('Max', 'reductionIndices', addon);
export const meanOverride = (addon: NativeAddon): KernelOverride => reduceOverride('Mean', 'axis', addon);
