/**
 * The seeded generators every package uses. All of them are deterministic across platforms
 * (32-bit integer arithmetic only) and are pure functions of their seed.
 *
 *   - `Rng` (rng.ts, xoshiro128**): data order, i.e. epoch shuffles and sampling of indices.
 *   - `mulberry32`: uniform floats for sampling in decoding (temperature, top-k, top-p).
 *   - `xorshift128Plus`: uniform floats for dropout keep masks, with `mixSeeds` deriving each
 *     mask's seed from (model seed, step, call). The native kernels' keep mask
 *     (packages/kernels/native/src/keep-mask.c) runs the same generator and must stay
 *     bit-identical to it.
 *   - `lcg32`: the benchmarks' synthetic token ids.
 *
 * They are four algorithms rather than one because each one's sequence is already relied on:
 * iterator states and resumed runs (Rng), generated text for a given `--seed` (mulberry32),
 * dropout masks in checkpointed runs and the native kernel (xorshift128Plus), and benchmark
 * inputs comparable across versions (lcg32). Replacing any of them by another would change
 * those outputs for the same seed.
 */

/** splitmix32 finaliser: a bijective 32-bit mix. */
export function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** splitmix32: successive well-mixed 32-bit words from a 32-bit seed (used to seed the other generators). */
export function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    return mix32(x);
  };
}

/** mulberry32 (Tommy Ettinger): uniform floats in [0, 1), multiples of 2^-32. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * xorshift128+ over two 32-bit halves, seeded through splitmix32: uniform floats in [0, 1),
 * multiples of 2^-32. The native keep-mask kernel implements the same sequence.
 */
export function xorshift128Plus(seed: number): () => number {
  const next32 = splitmix32(seed);
  let a = next32() | 1;
  let b = next32();
  return () => {
    let t = a;
    const u = b;
    a = u;
    t ^= t << 23;
    t ^= t >>> 17;
    t ^= u ^ (u >>> 26);
    b = t;
    return ((t + u) >>> 0) / 4294967296;
  };
}

/** Numerical Recipes' 32-bit linear congruential generator: the next state, a uint32, per call. */
export function lcg32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
}

/** Mixes a seed and two more 32-bit words (e.g. a training step and a call index) into one 32-bit seed. */
export function mixSeeds(seed: number, a: number, b: number): number {
  let h = Math.imul(seed ^ 0x27d4eb2d, 0x165667b1);
  h = Math.imul(h ^ a ^ (h >>> 15), 0x85ebca77);
  h = Math.imul(h ^ b ^ (h >>> 13), 0xc2b2ae3d);
  return (h ^ (h >>> 16)) >>> 0;
}
