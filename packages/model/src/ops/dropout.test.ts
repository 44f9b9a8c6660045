import { nativeKeepMask, nativeKernelsAvailable } from '@orquesta/kernels';
import { describe, expect, it } from 'vitest';
import { DropoutRng, jsKeepMask } from './dropout.js';

describe.runIf(nativeKernelsAvailable())('dropout keep masks', () => {
  it.each([
    [1, 0.1],
    [0xdeadbeef, 0.3],
    [0, 0.5],
    [12345, 0],
  ])('seed %d rate %d: the native generator gives the JS masks bit for bit', (seed, rate) => {
    const n = 100_003;
    expect(Buffer.from(nativeKeepMask(n, seed, rate).buffer).equals(Buffer.from(jsKeepMask(n, seed, rate).buffer))).toBe(true);
  });
});

describe('dropout keep masks (JS)', () => {
  it('keep the masks they have always drawn for a seed', () => {
    const mask = jsKeepMask(16, 12345, 0.3);
    expect([...mask].map((x) => (x === 0 ? 0 : 1))).toEqual([1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0]);
    expect(mask.filter((x) => x !== 0).every((x) => x === Math.fround(1 / 0.7))).toBe(true);
  });

  it("derive each call's seed from (model seed, step, call index)", () => {
    const rng = new DropoutRng(7);
    rng.beginStep(3);
    expect([...rng.nextMask(8, 0.5)]).toEqual([0, 0, 0, 0, 2, 0, 2, 2]);
    const again = new DropoutRng(7);
    again.beginStep(3);
    expect([...again.nextMask(8, 0.5)]).toEqual([0, 0, 0, 0, 2, 0, 2, 2]);
    expect([...again.nextMask(8, 0.5)]).not.toEqual([0, 0, 0, 0, 2, 0, 2, 2]);
  });
});
