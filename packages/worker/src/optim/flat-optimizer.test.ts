import { describe, expect, it } from 'vitest';
import { clipGlobalNorm, FlatOptimizer } from './flat-optimizer.js';

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
});

describe('clipGlobalNorm', () => {
  it('scales all gradients together to the maximum norm and returns the norm before', () => {
    const a = Float32Array.of(3, 0);
    const b = Float32Array.of(4);
    expect(clipGlobalNorm([a, b], 1)).toBeCloseTo(5, 6);
    expect(Math.hypot(a[0]!, a[1]!, b[0]!)).toBeCloseTo(1, 5);
    expect(a[0]! / b[0]!).toBeCloseTo(0.75, 6);
  });

  it('leaves gradients alone below the maximum or when disabled', () => {
    const a = Float32Array.of(0.3, 0.4);
    clipGlobalNorm([a], 1);
    expect(Array.from(a)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    const b = Float32Array.of(30, 40);
    expect(clipGlobalNorm([b], 0)).toBe(50);
    expect(b[0]).toBe(30);
  });
});
