/** Cast between float32 and int32 (JavaScript's conversions, as the wasm kernel); other dtypes fall back. */
import type * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import type { KernelOverride } from '../override.js';
import { sizeOf } from './shape.js';

export function castOverride(addon: NativeAddon): KernelOverride {
  return {
    kernelName: 'Cast',
    run: ({ inputs, attrs, heap }) => {
      const x = inputs['x']!;
      const to = attrs['dtype'] as tf.DataType;
      const n = sizeOf(x.shape);
      const toInt = x.dtype === 'float32' && to === 'int32';
      if (n === 0 || !(toInt || (x.dtype === 'int32' && to === 'float32'))) return null;
      const out = heap.output([...x.shape], to);
      addon.cast(heap.heap, toInt ? 1 : 0, heap.offset(x), n, heap.offset(out));
      return out;
    },
  };
}
