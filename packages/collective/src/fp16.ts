/**
 * IEEE 754 binary16 conversion, round to nearest, ties to even.
 *
 * Error bound: a finite float32 x with 2^-14 <= |x| <= 65504 converts with relative error at most 2^-11
 * (half an ulp of an 11-bit significand). Below 2^-14 values become subnormal, with absolute error at most
 * 2^-25; below 2^-25 they flush to (signed) zero. |x| >= 65520 overflows to +-Infinity (65504 is the
 * largest finite half); NaN stays NaN.
 */

let decodeTable: Float32Array | undefined;

/** float32 value of every one of the 65536 half bit patterns. */
function table(): Float32Array {
  if (decodeTable !== undefined) return decodeTable;
  const out = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) out[h] = halfToFloat(h);
  decodeTable = out;
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Half bit pattern of the float32 whose bits are `f` (an unsigned 32-bit integer). */
export function floatBitsToHalf(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const a = f & 0x7fffffff;
  if (a >= 0x47800000) return a > 0x7f800000 ? sign | 0x7e00 : sign | 0x7c00; // >= 2^16, Inf or NaN
  if (a < 0x38800000) {
    // below 2^-14: a subnormal half, round(|x| * 2^24) units of 2^-24
    const e = a >>> 23;
    if (e < 102) return sign; // below 2^-25: rounds to zero
    const m = (a & 0x7fffff) | 0x800000;
    const shift = 126 - e;
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (q + (rem > half || (rem === half && (q & 1) === 1) ? 1 : 0));
  }
  // normal: rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits to nearest even;
  // a carry out of the mantissa correctly bumps the exponent, up to Infinity (0x7c00) above 65519.99
  return sign | ((a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13);
}

/** Writes half(src[i]) into dst[i] for i < src.length. */
export function encodeFp16(src: Float32Array, dst: Uint16Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0, n = bits.length; i < n; i++) dst[i] = floatBitsToHalf(bits[i] as number);
}

/** Writes float(src[i]) into dst[i] for i < src.length (exact: every half is a float32). */
export function decodeFp16(src: Uint16Array, dst: Float32Array): void {
  const t = table();
  for (let i = 0, n = src.length; i < n; i++) dst[i] = t[src[i] as number] as number;
}

/** The float32 value of one half bit pattern. */
export function halfBitsToFloat(h: number): number {
  return table()[h & 0xffff] ?? 0;
}
