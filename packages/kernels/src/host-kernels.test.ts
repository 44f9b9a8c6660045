/**
 * Host-side native helpers: dropout keep masks (bit identity with the JS generator is tested in
 * @orquesta/model, which owns it) and the Adam update, bit for bit against the JS arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { nativeAdamUpdate, nativeKeepMask, sumOfSquares } from './index.js';

describe('nativeKeepMask', () => {
  it.each([
    [1, 0.1],
    [0xdeadbeef, 0.3],
    [0, 0.5],
    [12345, 0],
  ])('seed %d rate %d: drops about rate of the values and scales the rest by 1 / (1 - rate)', (seed, rate) => {
    const n = 100_003;
    const native = nativeKeepMask(n, seed, rate);
    expect(native.every((v) => v === 0 || v === Math.fround(1 / (1 - rate)))).toBe(true);
    expect(Buffer.from(nativeKeepMask(n, seed, rate).buffer).equals(Buffer.from(native.buffer))).toBe(true);
    const dropped = native.filter((v) => v === 0).length / n;
    expect(Math.abs(dropped - rate)).toBeLessThan(0.01);
  });
  it('rejects a rate outside [0, 1)', () => {
    expect(() => nativeKeepMask(4, 1, 1)).toThrow(/rate/);
  });
});

describe('nativeAdamUpdate', () => {
  it('gives the same bits as the JS arithmetic over several steps', () => {
    const n = 10_001;
    const init = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.1);
    const pN = init.slice(),
      mN = new Float32Array(n),
      vN = new Float32Array(n);
    const pJ = init.slice(),
      mJ = new Float32Array(n),
      vJ = new Float32Array(n);
    const [b1, b2, eps, lr, wd] = [0.9, 0.98, 1e-9, 7e-4, 0.01];
    for (let t = 1; t <= 5; t++) {
      const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * t) * 0.01);
      const c1 = 1 - Math.pow(b1, t),
        c2 = 1 - Math.pow(b2, t),
        decay = 1 - lr * wd;
      nativeAdamUpdate(pN, g, mN, vN, { lr, beta1: b1, beta2: b2, c1, c2, eps, decay });
      for (let j = 0; j < n; j++) {
        const gj = g[j]!;
        const mj = b1 * mJ[j]! + (1 - b1) * gj;
        const vj = b2 * vJ[j]! + (1 - b2) * gj * gj;
        mJ[j] = mj;
        vJ[j] = vj;
        pJ[j] = pJ[j]! * decay - (lr * (mj / c1)) / (Math.sqrt(vj / c2) + eps);
      }
    }
    expect(Buffer.from(pN.buffer).equals(Buffer.from(pJ.buffer))).toBe(true);
    expect(Buffer.from(mN.buffer).equals(Buffer.from(mJ.buffer))).toBe(true);
    expect(Buffer.from(vN.buffer).equals(Buffer.from(vJ.buffer))).toBe(true);
  });
  it('rejects arrays of different lengths', () => {
    const a = new Float32Array(4);
    expect(() => nativeAdamUpdate(a, new Float32Array(3), a.slice(), a.slice(), { lr: 1, beta1: 0.9, beta2: 0.9, c1: 1, c2: 1, eps: 1, decay: 1 })).toThrow(
      /lengths/,
    );
  });
});

describe('sumOfSquares', () => {
  it('gives the same double natively and in JS, for lengths around the 4-way split', () => {
    for (const n of [0, 1, 3, 4, 7, 1_000_003]) {
      const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 7) - 3));
      const js = sumOfSquares(x, false);
      expect(sumOfSquares(x, true)).toBe(js);
      const plain = x.reduce((s, v) => s + v * v, 0);
      expect(Math.abs(js - plain)).toBeLessThanOrEqual(1e-12 * Math.max(1, plain));
    }
  });
});
