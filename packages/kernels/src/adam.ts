import { loadAddon } from './addon.js';

export interface AdamStep {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  /** Bias corrections 1 - beta^t. */
  readonly c1: number;
  readonly c2: number;
  readonly eps: number;
  /** Decoupled weight-decay factor applied to the parameter (1 for plain Adam). */
  readonly decay: number;
  /** Multiplies each gradient as it is read (1 / tokens, clipping). Defaults to 1. */
  readonly gradScale?: number;
}

/**
 * One Adam(W) update of a flat parameter vector in place, with the same double-precision
 * arithmetic as the JS optimizer (identical bits), in native code.
 * @throws {NativeKernelsUnavailableError} when the addon is not built.
 * @throws {RangeError} when the four arrays differ in length.
 */
export function nativeAdamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamStep): void {
  loadAddon().adam(p, g, m, v, s.lr, s.beta1, s.beta2, s.c1, s.c2, s.eps, s.decay, s.gradScale ?? 1);
}
