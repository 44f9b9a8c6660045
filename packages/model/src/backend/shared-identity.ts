/**
 * tfjs's wasm backend implements Identity as a full copy. The engine calls Identity for every
 * tensor a custom gradient saves, for clones and inside many gradients (hundreds of calls per
 * training step of the benchmark Transformer, gigabytes of copies). Tensors are immutable and
 * the backend reference-counts buffers (Reshape already shares them), so Identity can share
 * the input's buffer too. Applied when the wasm backend is selected.
 */
import * as tf from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

let installed = false;

export function shareIdentityBuffers(backendName: string): void {
  if (installed) return;
  const original = tf.getKernel('Identity', backendName);
  if (!original) return;
  tf.unregisterKernel('Identity', backendName);
  tf.registerKernel({
    kernelName: 'Identity',
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs['x'] as tf.TensorInfo;
      if (x.dtype === 'string') return original.kernelFunc({ inputs, backend, attrs: {} }) as tf.TensorInfo;
      (backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  installed = true;
}
