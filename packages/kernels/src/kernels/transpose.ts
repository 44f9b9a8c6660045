/** Transpose of 4-byte tensors (float32, int32), rank <= 6, tiled or row-copying where it can. */
import type { NativeAddon } from '../addon.js';
import type { KernelOverride } from '../override.js';
import { MAX_RANK, sizeOf } from './shape.js';

export function transposeOverride(addon: NativeAddon): KernelOverride {
  return {
    kernelName: 'Transpose',
    run: ({ inputs, attrs, heap }) => {
      const x = inputs['x']!;
      const perm = attrs['perm'] as number[];
      if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length > MAX_RANK || sizeOf(x.shape) === 0) return null;
      if (!Array.isArray(perm) || perm.length !== x.shape.length) return null;
      const out = heap.output(
        perm.map((p) => x.shape[p]!),
        x.dtype,
      );
      addon.transpose(heap.heap, [...x.shape], [...perm], heap.offset(x), heap.offset(out));
      return out;
    },
  };
}
