import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelsActive } from '@orquesta/kernels';

/**
 * Whether the active backend runs transposed matrix products at full speed. tfjs's pure wasm
 * backend does not (XNNPACK is fast only for untransposed BatchMatMul, see ops/mat-mul.ts), so
 * there the model materialises transposes; wasm-native (cblas flags), cpu, webgpu and the
 * TensorFlow backends take the transpose flags directly. Set by `selectBackend`.
 */
let fastTransposes = false;

export function setFastTransposedProducts(on: boolean): void {
  fastTransposes = on;
}

export function fastTransposedProducts(): boolean {
  return fastTransposes;
}

/**
 * Whether the fused native kernels (layer norm, softmax cross-entropy; see @orquesta/kernels)
 * can run: backend wasm-native is active.
 */
export function fusedNativeKernels(): boolean {
  return fusedKernelsActive() && tf.getBackend() === 'wasm';
}
