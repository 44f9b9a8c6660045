import { loadAddon, nativeKernelsAvailable } from './addon.js';

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

/**
 * Sum of the squares of `x` in double precision: four running sums over elements 4i + r, combined as
 * (s0 + s1) + (s2 + s3), then the remaining elements in order. Natively where the kernels are built
 * (about 5x faster than this loop in JS), else in JS with the same order: the same bits either way.
 */
export function sumOfSquares(x: Float32Array, native = nativeKernelsAvailable()): number {
  if (native) return loadAddon().sumSquares(x);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (const n = x.length - 3; j < n; j += 4) {
    const a = x[j]!;
    const b = x[j + 1]!;
    const c = x[j + 2]!;
    const d = x[j + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  let s = s0 + s1 + (s2 + s3);
  for (; j < x.length; j++) s += x[j]! * x[j]!;
  return s;
}
