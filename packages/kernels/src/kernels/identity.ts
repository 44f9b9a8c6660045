/**
 * Identity that shares the input's buffer. tfjs's wasm Identity copies; the engine calls it
 * for every tensor a custom gradient saves, for clones and inside many gradients (hundreds of
 * calls per training step of the benchmark Transformer). Tensors are immutable and the backend
 * reference-counts buffers (Reshape already shares them), so sharing is safe; it is what the
 * cpu backend does.
 */
import type { KernelOverride } from '../override.js';

export function sharedIdentityOverride(): KernelOverride {
  return {
    kernelName: 'Identity',
    portable: true,
    run: ({ inputs, backend }) => {
      const x = inputs['x']!;
      if (x.dtype === 'string') return null;
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
