/**
 * Every native override against the original wasm kernel, on random shapes: broadcasting,
 * odd sizes, all transpose flags, 4-d batches. Each case checks that the native path ran.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { installNativeKernels, overrideStats, overwriteTensorData, setNativeKernelsEnabled } from './index.js';

let seed = 1;
function random(shape: number[], scale = 1): tf.Tensor {
  return tf.randomUniform(shape, -scale, scale, 'float32', seed++);
}

/** Runs `f` with the overrides off and on; returns both results and how many native calls it made. */
function both(
  kernel: string,
  f: () => tf.Tensor,
): { ref: Float32Array | Int32Array; got: Float32Array | Int32Array; shapes: [number[], number[]]; calls: number } {
  setNativeKernelsEnabled(false);
  const r = f();
  setNativeKernelsEnabled(true);
  const before = overrideStats()[kernel]?.native ?? 0;
  const g = f();
  const calls = (overrideStats()[kernel]?.native ?? 0) - before;
  const out = { ref: r.dataSync() as Float32Array, got: g.dataSync() as Float32Array, shapes: [r.shape, g.shape] as [number[], number[]], calls };
  r.dispose();
  g.dispose();
  return out;
}

function expectClose(res: ReturnType<typeof both>, rel = 1e-5): void {
  expect(res.calls).toBeGreaterThan(0);
  expect(res.shapes[1]).toEqual(res.shapes[0]);
  let scale = 0;
  for (const v of res.ref) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < res.ref.length; i++) worst = Math.max(worst, Math.abs(res.got[i]! - res.ref[i]!));
  expect(worst).toBeLessThanOrEqual(rel * Math.max(1, scale));
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  installNativeKernels({ blasThreads: 1 });
});

describe('BatchMatMul', () => {
  const cases: [string, number[], number[]][] = [
    ['2-d', [37, 53], [53, 29]],
    ['3-d equal batch', [5, 17, 9], [5, 9, 13]],
    ['4-d batch', [2, 3, 8, 16], [2, 3, 16, 8]],
    ['shared right operand', [4, 31, 16], [16, 7]],
    ['shared left operand', [11, 16], [3, 16, 5]],
    ['batch-1 broadcast', [1, 6, 10], [4, 10, 6]],
    ['large', [256, 256], [256, 512]],
  ];
  for (const [name, sa, sb] of cases) {
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      it(`${name} transposeA=${ta} transposeB=${tb}`, () => {
        const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!];
        const a = random(ta ? swap(sa) : sa);
        const b = random(tb ? swap(sb) : sb);
        expectClose(both('BatchMatMul', () => tf.matMul(a, b, ta, tb)));
      });
    }
  }
  it('falls back on general broadcasting it does not handle', () => {
    const a = random([2, 1, 4, 5]);
    const b = random([1, 3, 5, 6]);
    const before = overrideStats()['BatchMatMul']!.fallback;
    const res = both('BatchMatMul', () => tf.matMul(a, b));
    expect(res.calls).toBe(0);
    expect(overrideStats()['BatchMatMul']!.fallback).toBeGreaterThan(before);
    expect(res.got).toEqual(res.ref);
  });
});

describe('Sum and Max', () => {
  const cases: [number[], number | number[], boolean][] = [
    [[2048, 33], 0, false],
    [[33, 517], -1, false],
    [[64, 3, 7, 5], [1, 2], true],
    [[5, 6, 7], [0, 1, 2], false],
    [[9], 0, true],
    [[4, 1, 130], 1, false],
  ];
  for (const [shape, axis, keep] of cases) {
    it(`sum ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keep}`, () => {
      const x = random(shape);
      expectClose(both('Sum', () => tf.sum(x, axis, keep)));
    });
    it(`max ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keep}`, () => {
      const x = random(shape);
      expectClose(
        both('Max', () => tf.max(x, axis, keep)),
        0,
      );
    });
  }
  it('mean [2048, 256] over the last axis and [7, 9, 5] over the first two', () => {
    const x = random([2048, 256]);
    expectClose(both('Mean', () => tf.mean(x, -1, true)));
    const y = random([7, 9, 5]);
    expectClose(both('Mean', () => tf.mean(y, [0, 1])));
  });
  it('max propagates NaN like the wasm kernel', () => {
    const x = tf.tensor2d([
      [1, NaN, 3, ...new Array(40).fill(0)],
      [5, 6, 7, ...new Array(40).fill(-1)],
    ]);
    const res = both('Max', () => tf.max(x, 1));
    expect(Number.isNaN(res.got[0])).toBe(true);
    expect(res.got[1]).toBe(7);
  });
  it('falls back for axes that are not one block, and for int32', () => {
    const x = random([3, 4, 5]);
    expect(both('Sum', () => tf.sum(x, [0, 2])).calls).toBe(0);
    expect(both('Sum', () => tf.sum(tf.cast(x, 'int32'), 0)).calls).toBe(0);
  });
});

describe('elementwise', () => {
  const unary: [string, (x: tf.Tensor) => tf.Tensor, number][] = [
    ['Exp', (x) => tf.exp(x), 4],
    ['Sqrt', (x) => tf.sqrt(tf.abs(x)), 1],
    ['Rsqrt', (x) => tf.rsqrt(tf.add(tf.abs(x), 0.1)), 1],
    ['Square', (x) => tf.square(x), 1],
    ['Relu', (x) => tf.relu(x), 1],
    ['Neg', (x) => tf.neg(x), 1],
  ];
  for (const [kernel, f, scale] of unary) {
    it(`${kernel} on an odd size`, () => {
      const x = random([1001, 7], scale);
      expectClose(both(kernel, () => f(x)));
    });
  }
  it('Exp keeps inf, -inf and NaN semantics', () => {
    const x = tf.tensor1d([Infinity, -Infinity, NaN, 0, 88, -104]);
    const res = both('Exp', () => tf.exp(x));
    expect(Array.from(res.got)).toEqual(Array.from(res.ref));
  });
  const shapes: [number[], number[]][] = [
    [
      [64, 257],
      [64, 257],
    ],
    [[64, 257], [257]],
    [
      [64, 1],
      [64, 257],
    ],
    [[], [3, 5]],
    [
      [2, 3, 1, 5],
      [4, 1],
    ],
    [
      [7, 1, 9],
      [1, 6, 1],
    ],
  ];
  for (const kernel of ['Add', 'Sub', 'Multiply', 'RealDiv'] as const) {
    const op = { Add: tf.add, Sub: tf.sub, Multiply: tf.mul, RealDiv: tf.div }[kernel];
    for (const [sa, sb] of shapes) {
      it(`${kernel} ${JSON.stringify(sa)} with ${JSON.stringify(sb)}`, () => {
        const a = random(sa);
        const b = kernel === 'RealDiv' ? tf.add(tf.abs(random(sb)), 0.5) : random(sb);
        expectClose(
          both(kernel, () => op(a, b)),
          0,
        );
      });
    }
  }
});

describe('Cast', () => {
  it('float32 -> int32 truncates, wraps and maps NaN to 0 as the wasm kernel does; int32 -> float32 rounds', () => {
    const x = tf.tensor1d([1.9, -1.9, 0, -0, 2147483647, 3e9, -3e9, NaN, Infinity, -Infinity, 123456.7, 16777217]);
    expectClose(
      both('Cast', () => tf.cast(x, 'int32')),
      0,
    );
    const big = tf.cast(tf.mul(random([999], 1), 2 ** 30), 'int32');
    expectClose(
      both('Cast', () => tf.cast(big, 'float32')),
      0,
    );
  });
});

describe('Transpose', () => {
  const cases: [number[], number[], 'float32' | 'int32'][] = [
    [[2048, 256], [1, 0], 'float32'],
    [[33, 65], [1, 0], 'int32'],
    [[64, 32, 4, 64], [0, 2, 1, 3], 'float32'],
    [[4, 5, 6, 7], [3, 1, 0, 2], 'float32'],
    [[3, 4, 5, 6, 2], [0, 1, 2, 4, 3], 'float32'],
    [[2, 3, 4, 5, 6, 7], [5, 4, 3, 2, 1, 0], 'float32'],
  ];
  for (const [shape, perm, dtype] of cases) {
    it(`${JSON.stringify(shape)} perm ${JSON.stringify(perm)} ${dtype}`, () => {
      const x = dtype === 'int32' ? tf.cast(tf.mul(random(shape), 1000), 'int32') : random(shape);
      expectClose(
        both('Transpose', () => tf.transpose(x, perm)),
        0,
      );
    });
  }
});

describe('GatherV2', () => {
  it('embedding rows by id, float32 and int32 tables, 2-d ids', () => {
    const table = random([8000, 256]);
    const ids = tf.tensor2d(
      Array.from({ length: 64 * 32 }, (_, i) => (i * 7919) % 8000),
      [64, 32],
      'int32',
    );
    expectClose(
      both('GatherV2', () => tf.gather(table, ids)),
      0,
    );
    const t2 = tf.cast(tf.mul(random([50, 3, 4]), 100), 'int32');
    expectClose(
      both('GatherV2', () => tf.gather(t2, tf.tensor1d([49, 0, 7, 7], 'int32'))),
      0,
    );
  });
  it('falls back for another axis', () => {
    const x = random([5, 6]);
    expect(both('GatherV2', () => tf.gather(x, tf.tensor1d([1, 2], 'int32'), 1)).calls).toBe(0);
  });
  it('rejects an index out of range without writing', () => {
    const x = random([5, 6]);
    expect(() => tf.gather(x, tf.tensor1d([1, 5], 'int32'))).toThrow(/index value 5 is not in \[0, 4\]/);
  });
});

describe('Identity', () => {
  it('shares the buffer, and a clone survives disposal of the original', () => {
    const x = random([16, 16]);
    const expected = x.dataSync().slice();
    const c = tf.clone(x);
    x.dispose();
    expect(c.dataSync()).toEqual(expected);
    c.dispose();
  });
});

describe('overwriteTensorData', () => {
  it("writes a variable's values in place, and leaves shared or mismatched data alone", () => {
    const init = tf.zeros([5]);
    const v = tf.variable(init); // shares the initial tensor's data until that is disposed
    expect(overwriteTensorData(tf.backend(), v, Float32Array.of(1, 2, 3, 4, 5))).toBe(false);
    init.dispose();
    expect(overwriteTensorData(tf.backend(), v, Float32Array.of(1, 2, 3, 4, 5))).toBe(true);
    expect([...v.dataSync()]).toEqual([1, 2, 3, 4, 5]);
    expect(overwriteTensorData(tf.backend(), v, Float32Array.of(1, 2))).toBe(false);
    const shared = v.clone(); // clones share the data
    expect(overwriteTensorData(tf.backend(), v, Float32Array.of(9, 9, 9, 9, 9))).toBe(false);
    expect([...shared.dataSync()]).toEqual([1, 2, 3, 4, 5]);
    shared.dispose();
    expect(overwriteTensorData(tf.backend(), v, Float32Array.of(9, 9, 9, 9, 9))).toBe(true);
    expect([...v.dataSync()]).toEqual([9, 9, 9, 9, 9]);
    v.dispose();
  });
});
