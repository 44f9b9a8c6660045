import { describe, expect, it } from 'vitest';
import { computeBleu } from './bleu-score.js';

describe('computeBleu', () => {
  // Published: mjpost/sacrebleu test/test_bleu.py, test_case_scoring:
  // counts [9, 7, 5, 3], totals [10, 8, 6, 4], sys_len = ref_len = 11 -> 0.8375922397 (x 100).
  it('matches sacreBLEU on statistics without zero counts', () => {
    const result = computeBleu({ counts: [9, 7, 5, 3], totals: [10, 8, 6, 4], sysLen: 11, refLen: 11 });
    expect(result.score).toBeCloseTo(83.75922397, 8);
    expect(result.bp).toBe(1);
    expect(result.precisions).toEqual([90, 87.5, (100 * 5) / 6, 75]);
  });

  // Published: mjpost/sacrebleu test/test_bleu.py, test_case_degenerate_stats (first case):
  // no matches, sys_len 0, ref_len 1 -> 0.0. With no match at all every precision stays 0 (#141).
  it('scores 0 with zero precisions when nothing matches', () => {
    const result = computeBleu({ counts: [0, 0, 0, 0], totals: [4, 4, 2, 1], sysLen: 0, refLen: 1 });
    expect(result.score).toBe(0);
    expect(result.precisions).toEqual([0, 0, 0, 0]);
    expect(result.bp).toBe(0);
  });

  it('smooths the k-th zero-count order to 100 / (2^k * total)', () => {
    const result = computeBleu({ counts: [5, 2, 0, 0], totals: [8, 7, 6, 5], sysLen: 8, refLen: 8 });
    expect(result.precisions).toEqual([62.5, (100 * 2) / 7, 100 / (2 * 6), 100 / (4 * 5)]);
    expect(result.score.toFixed(2)).toBe('16.52');
  });

  it('does not use the effective order: an order with no hypothesis n-grams drives BLEU to 0', () => {
    // Three tokens: no 4-grams, so precision 4 stays 0 and counts as log 0.
    const result = computeBleu({ counts: [3, 0, 0, 0], totals: [3, 2, 1, 0], sysLen: 3, refLen: 5 });
    expect(result.precisions).toEqual([100, 25, 25, 0]);
    expect(result.score).toBe(0);
    expect(result.bp).toBeCloseTo(Math.exp(1 - 5 / 3), 15);
  });

  it('applies the brevity penalty only when the hypothesis is shorter', () => {
    const stats = { counts: [9, 7, 5, 3], totals: [10, 8, 6, 4] } as const;
    const short = computeBleu({ ...stats, counts: [...stats.counts], totals: [...stats.totals], sysLen: 10, refLen: 12 });
    const long = computeBleu({ ...stats, counts: [...stats.counts], totals: [...stats.totals], sysLen: 12, refLen: 10 });
    expect(short.bp).toBeCloseTo(Math.exp(-0.2), 15);
    expect(long.bp).toBe(1);
    expect(short.score / long.score).toBeCloseTo(Math.exp(-0.2), 12);
  });
});
