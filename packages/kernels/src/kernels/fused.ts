/**
 * Fused kernels registered on the wasm backend under their own names (no wasm original): each
 * replaces a chain of small kernels that the model would otherwise run one by one.
 *   OrqLayerNorm            x [N, D], gamma [D], beta [D]        -> y [N, D], xhat [N, D], rstd [N]
 *   OrqLayerNormGrad        dy [N, D], xhat, rstd [N], gamma [D] -> dx [N, D], dgamma [D], dbeta [D]
 *   OrqSoftmaxCrossEntropy  logits [N, V], targets int32 [N], weights [N]
 *                                                                -> loss [N], dlogits [N, V]
 *   OrqKeepMask             attrs shape, seed, rate              -> dropout keep mask, written on the
 *                                                                   heap (no JS array, no copy)
 * The model calls them through `tf.engine().runKernel` only when `fusedKernelsActive()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { heapFor } from '../wasm-heap.js';
import { nativeKernelsEnabled } from '../override.js';

export const FUSED_KERNELS = {
  layerNorm: 'OrqLayerNorm',
  layerNormGrad: 'OrqLayerNormGrad',
  softmaxCrossEntropy: 'OrqSoftmaxCrossEntropy',
  keepMask: 'OrqKeepMask',
} as const;

let registered = false;

function rowsOf(t: tf.TensorInfo): [number, number] {
  const d = t.shape[t.shape.length - 1]!;
  return [t.shape.reduce((a, b) => a * b, 1) / d, d];
}

function float32(...ts: tf.TensorInfo[]): void {
  for (const t of ts) if (t.dtype !== 'float32') throw new TypeError(`fused kernel input must be float32, got ${t.dtype}`);
}

export function registerFusedKernels(addon: NativeAddon): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: FUSED_KERNELS.layerNorm,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
      float32(x, gamma, beta);
      const [rows, d] = rowsOf(x);
      const h = heapFor(backend);
      const y = h.output([...x.shape]);
      const xhat = h.output([rows, d]);
      const rstd = h.output([rows]);
      addon.layerNorm(
        h.heap,
        h.offset(x),
        h.offset(gamma),
        h.offset(beta),
        rows,
        d,
        Number(attrs?.['eps'] ?? 1e-5),
        h.offset(y),
        h.offset(xhat),
        h.offset(rstd),
      );
      return [y, xhat, rstd];
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.layerNormGrad,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, xhat, rstd, gamma } = inputs as Record<'dy' | 'xhat' | 'rstd' | 'gamma', tf.TensorInfo>;
      float32(dy, xhat, rstd, gamma);
      const [rows, d] = rowsOf(dy);
      const h = heapFor(backend);
      const dx = h.output([...dy.shape]);
      const dgamma = h.output([d]);
      const dbeta = h.output([d]);
      addon.layerNormGrad(h.heap, h.offset(dy), h.offset(xhat), h.offset(rstd), h.offset(gamma), rows, d, h.offset(dx), h.offset(dgamma), h.offset(dbeta));
      return [dx, dgamma, dbeta];
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.softmaxCrossEntropy,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { logits, targets, weights } = inputs as Record<'logits' | 'targets' | 'weights', tf.TensorInfo>;
      float32(logits, weights);
      if (targets.dtype !== 'int32') throw new TypeError(`targets must be int32, got ${targets.dtype}`);
      const [n, v] = rowsOf(logits);
      const h = heapFor(backend);
      const loss = h.output([n]);
      const grad = h.output([n, v]);
      addon.softmaxXent(h.heap, h.offset(logits), h.offset(targets), h.offset(weights), n, v, Number(attrs?.['epsilon'] ?? 0), h.offset(loss), h.offset(grad));
      return [loss, grad];
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.keepMask,
    backendName: 'wasm',
    kernelFunc: ({ attrs, backend }) => {
      const shape = attrs?.['shape'] as number[];
      const h = heapFor(backend);
      const mask = h.output([...shape]);
      const n = shape.reduce((a, b) => a * b, 1);
      if (n > 0) addon.keepMask(h.heap, h.offset(mask), n, Number(attrs?.['seed']) >>> 0, Number(attrs?.['rate']));
      return mask;
    },
  });
}

/** True when the fused kernels are registered and the native kernels are switched on. */
export function fusedKernelsActive(): boolean {
  return registered && nativeKernelsEnabled();
}
