import * as tf from '@tensorflow/tfjs-core';

/**
 * Bytes of the wasm backend's heap, its WebAssembly memory (it grows and never shrinks, so this is the
 * peak so far; at most 4 GiB), or undefined when the active backend is not wasm.
 */
export function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength;
}
