import { loadAddon } from './addon.js';

/**
 * A dropout keep mask of `size` values (0 with probability `rate`, else 1 / (1 - rate)) from
 * the generator seeded by `seed`: bit-identical to @orquesta/model's JS masks, ~10x faster.
 * @throws {NativeKernelsUnavailableError} when the addon is not built.
 */
export function nativeKeepMask(size: number, seed: number, rate: number): Float32Array {
  const out = new Float32Array(size);
  loadAddon().keepMask(out, 0, size, seed >>> 0, rate);
  return out;
}
