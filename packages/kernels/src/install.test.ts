import { describe, expect, it } from 'vitest';
import { broadcastStrides } from './kernels/binary.js';
import { defaultBlasThreads } from './install.js';

describe('defaultBlasThreads', () => {
  it('takes ORQUESTA_BLAS_THREADS, else shares the cores among the workers on this machine', () => {
    expect(defaultBlasThreads({ ORQUESTA_BLAS_THREADS: '3' }, 16)).toBe(3);
    expect(defaultBlasThreads({ LOCAL_WORLD_SIZE: '4' }, 16)).toBe(4);
    expect(defaultBlasThreads({ LOCAL_WORLD_SIZE: '4' }, 2)).toBe(1);
    expect(defaultBlasThreads({}, 2)).toBe(2);
    expect(defaultBlasThreads({ ORQUESTA_BLAS_THREADS: 'x', LOCAL_WORLD_SIZE: '0' }, 8)).toBe(8);
  });
});

describe('broadcastStrides', () => {
  it('reads an operand over the output shape, 0 along broadcast and missing leading axes', () => {
    expect(broadcastStrides([64, 257], [64, 257])).toEqual([257, 1]);
    expect(broadcastStrides([257], [64, 257])).toEqual([0, 1]);
    expect(broadcastStrides([64, 1], [64, 257])).toEqual([1, 0]);
    expect(broadcastStrides([], [3, 5])).toEqual([0, 0]);
    expect(broadcastStrides([7, 1, 9], [7, 6, 9])).toEqual([9, 0, 1]);
  });
});
