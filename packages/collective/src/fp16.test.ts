import { describe, expect, it } from 'vitest';
import { decodeFp16, encodeFp16, floatBitsToHalf, halfBitsToFloat } from './fp16.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function half(x: number): number {
  f32[0] = x;
  return floatBitsToHalf(u32[0] as number);
}

/** Nearest half to x by search over all finite positive halves, ties to even: an independent reference. */
const positives = Array.from({ length: 0x7c00 }, (_, h) => halfBitsToFloat(h));
function referenceHalf(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  let lo = 0;
  let hi = positives.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((positives[mid] as number) <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - (positives[lo] as number);
  const dHi = (positives[hi] as number) - a;
  const pick = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return sign | pick;
}

describe('fp16 conversion', () => {
  it('maps every half back to itself', () => {
    let wrong = 0;
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (!isNaN && half(halfBitsToFloat(h)) !== h) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('rounds to nearest, ties to even, like an exhaustive search', () => {
    let s = 7;
    let wrong = 0;
    for (let i = 0; i < 100_000; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      u32[0] = (s & 0x807fffff) | (((((s >>> 23) & 0xff) % 48) + 97) << 23); // exponents 2^-30 .. 2^17
      const x = f32[0] as number;
      if (half(x) !== referenceHalf(x)) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('handles ties, overflow, subnormals, zeros and NaN', () => {
    expect(half(1 + 2 ** -11)).toBe(0x3c00); // tie: rounds down to even 1.0
    expect(half(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: rounds up to even
    expect(half(65504)).toBe(0x7bff);
    expect(half(65519.99)).toBe(0x7bff);
    expect(half(65520)).toBe(0x7c00);
    expect(half(-1e9)).toBe(0xfc00);
    expect(half(Infinity)).toBe(0x7c00);
    expect(half(2 ** -24)).toBe(0x0001);
    expect(half(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24: even is 0
    expect(half(1.5 * 2 ** -25)).toBe(0x0001);
    expect(half(-0)).toBe(0x8000);
    expect(half(NaN) & 0x7e00).toBe(0x7e00);
  });

  it('keeps the documented relative error bound 2^-11 in the normal range', () => {
    const src = Float32Array.from({ length: 10_000 }, (_, i) => (i % 2 ? -1 : 1) * 2 ** -14 * 1.000731 ** (i * 3));
    const wire = new Uint16Array(src.length);
    const back = new Float32Array(src.length);
    encodeFp16(src, wire);
    decodeFp16(wire, back);
    let worst = 0;
    for (let i = 0; i < src.length; i++)
      if (Math.abs(src[i] as number) <= 65504) worst = Math.max(worst, Math.abs((back[i] as number) - (src[i] as number)) / Math.abs(src[i] as number));
    expect(worst).toBeLessThanOrEqual(2 ** -11);
    expect(worst).toBeGreaterThan(2 ** -12);
  });
});
