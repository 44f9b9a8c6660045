import { describe, expect, it } from 'vitest';
import { clipFactor, FlatOptimizer } from './flat-optimizer.js';

const spec = { betas: [0.9, 0.98] as [number, number], eps: 1e-8, weight_decay: 0 };

describe('FlatOptimizer', () => {
  it('adam: the first step moves each parameter by lr against the gradient sign', () => {
    const opt = new FlatOptimizer({ ...spec, kind: 'adam' }, [3]);
    const p = Float32Array.of(1, 2, 3);
    opt.apply([p], [Float32Array.of(0.5, -2, 0)], 0.1);
    // mhat = g, vhat = g^2, so the update is lr * g / (|g| + eps)
    expect(p[0]).toBeCloseTo(0.9, 6);
    expect(p[1]).toBeCloseTo(2.1, 6);
    expect(p[2]).toBe(3);
    expect(opt.state.step).toBe(1);
  });

  it('adam: the second step matches a hand computation', () => {
    const opt = new FlatOptimizer({ ...spec, kind: 'adam' }, [1]);
    const p = Float32Array.of(0);
    opt.apply([p], [Float32Array.of(1)], 0.01);
    opt.apply([p], [Float32Array.of(3)], 0.01);
    const m = 0.9 * 0.1 + 0.1 * 3;
    const v = 0.98 * 0.02 + 0.02 * 9;
    const expected = -0.01 - (0.01 * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.98 * 0.98)) + 1e-8);
    expect(p[0]).toBeCloseTo(expected, 6);
  });

  it('adamw decays weights by lr * weight_decay; sgd adds L2', () => {
    const adamw = new FlatOptimizer({ ...spec, kind: 'adamw', weight_decay: 0.5 }, [1]);
    const a = Float32Array.of(2);
    adamw.apply([a], [Float32Array.of(0)], 0.1);
    expect(a[0]).toBeCloseTo(2 * (1 - 0.05), 6);
    const sgd = new FlatOptimizer({ ...spec, kind: 'sgd', weight_decay: 0.1 }, [1]);
    const s = Float32Array.of(1);
    sgd.apply([s], [Float32Array.of(2)], 0.5);
    expect(s[0]).toBeCloseTo(1 - 0.5 * (2 + 0.1), 6);
    expect(sgd.state.m).toHaveLength(0);
  });

  it.each(['adam', 'adamw'] as const)('%s: the native and JS loops give the same bits', (kind) => {
    const sizes = [1000, 37];
    const make = () => sizes.map((n, k) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + k)));
    const [pj, pn] = [make(), make()];
    const js = new FlatOptimizer({ ...spec, kind, weight_decay: 0.01 }, sizes, false);
    const native = new FlatOptimizer({ ...spec, kind, weight_decay: 0.01 }, sizes, true);
    for (let t = 1; t <= 4; t++) {
      const grads = sizes.map((n) => Float32Array.from({ length: n }, (_, i) => Math.cos(i * t) / t));
      js.apply(pj, grads, 1e-3 * t, 1 / (t + 2));
      native.apply(pn, grads, 1e-3 * t, 1 / (t + 2));
    }
    for (let k = 0; k < sizes.length; k++) {
      expect(Buffer.from(pn[k]!.buffer).equals(Buffer.from(pj[k]!.buffer))).toBe(true);
      expect(Buffer.from(native.state.v[k]!.buffer).equals(Buffer.from(js.state.v[k]!.buffer))).toBe(true);
    }
  });
});

describe('clipFactor', () => {
  it('clips a norm to the maximum', () => {
    expect(5 * clipFactor(5, 1)).toBeCloseTo(1, 5);
    expect(clipFactor(0.5, 1)).toBe(1);
    expect(clipFactor(50, 0)).toBe(1);
  });

  it('a gradient scale in apply equals pre-scaled gradients', () => {
    for (const kind of ['adam', 'sgd'] as const) {
      const [a, b] = [Float32Array.of(1, 2), Float32Array.of(1, 2)];
      new FlatOptimizer({ ...spec, kind }, [2], false).apply([a], [Float32Array.of(4, -8)], 0.1, 0.25);
      new FlatOptimizer({ ...spec, kind }, [2], false).apply([b], [Float32Array.of(1, -2)], 0.1);
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });
});
