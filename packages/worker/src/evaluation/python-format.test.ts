import { describe, expect, it } from 'vitest';
import { formatFixed } from './python-format.js';

describe('formatFixed', () => {
  it("rounds exact binary ties to even, as Python's format does", () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(12.25, 1)).toBe('12.2');
    expect(formatFixed(6.25, 1)).toBe('6.2');
    expect(formatFixed(0.0625, 3)).toBe('0.062');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(3.5, 0)).toBe('4');
  });

  it('rounds non-ties by their exact binary value', () => {
    // 2.675 and 1.005 are stored slightly below the written value.
    expect(formatFixed(2.675, 2)).toBe('2.67');
    expect(formatFixed(1.005, 2)).toBe('1.00');
    expect(formatFixed(48.530827009929865, 2)).toBe('48.53');
    expect(formatFixed(0.9428731438548749, 3)).toBe('0.943');
  });

  it("keeps Python's sign and special values", () => {
    expect(formatFixed(-0.125, 2)).toBe('-0.12');
    expect(formatFixed(-0, 2)).toBe('-0.00');
    expect(formatFixed(Number.NaN, 2)).toBe('nan');
    expect(formatFixed(-Infinity, 1)).toBe('-inf');
    expect(() => formatFixed(1, 21)).toThrow(RangeError);
  });
});
