import { nativeKeepMask, nativeKernelsAvailable } from '@orquesta/kernels';
import { describe, expect, it } from 'vitest';
import { jsKeepMask } from './dropout.js';

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
