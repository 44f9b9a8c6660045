import { describe, expect, it } from 'vitest';
import type { AshaRungs } from '@orquesta/spec';
import { ashaDecide, rankedValue, type RungResult } from './asha.js';

// eta 3, rungs at steps 100 and 300, trials end at 900.
const rungs: AshaRungs = { maxSteps: 900, steps: [100, 300], reductionFactor: 3, metric: 'validation_loss' };

/** Feeds results in order, recording each decision the way the coordinator does. */
function run(reports: readonly [trial: number, step: number, loss: number][]) {
  const results: RungResult[] = [];
  return reports.map(([trial, step, loss]) => {
    const d = ashaDecide(rungs, results, trial, step, loss);
    if (d) results.push(d.result);
    return d ? `t${trial} rung ${d.result.rung}: ${d.rank} of ${d.of}, keep ${d.keep}: ${d.result.verdict}` : `t${trial} @${step}: -`;
  });
}

describe('ASHA (stop-once, asynchronous)', () => {
  it('keeps the best max(1, floor(n/eta)) of the n results at a rung, as they arrive', () => {
    expect(
      run([
        [1, 100, 5.0], // first at rung 0: nothing to beat
        [2, 100, 4.0], // best of 2; floor(2/3) = 0 -> keep 1
        [3, 100, 6.0], // 3rd of 3, keep 1
        [4, 100, 4.5], // 2nd of 4 (4.0 is better), keep 1
        [5, 100, 3.0], // best of 5
        [6, 100, 4.2], // 3rd of 6 (3.0, 4.0), keep 2
        [7, 100, 3.5], // 2nd of 7, keep 2
        [1, 300, 3.0], // first at rung 1
        [2, 300, 2.5], // best of 2
        [5, 300, 2.8], // 2nd of 3, keep 1
      ]),
    ).toEqual([
      't1 rung 0: 1 of 1, keep 1: continue',
      't2 rung 0: 1 of 2, keep 1: continue',
      't3 rung 0: 3 of 3, keep 1: stop',
      't4 rung 0: 2 of 4, keep 1: stop',
      't5 rung 0: 1 of 5, keep 1: continue',
      't6 rung 0: 3 of 6, keep 2: stop',
      't7 rung 0: 2 of 7, keep 2: continue',
      't1 rung 1: 1 of 1, keep 1: continue',
      't2 rung 1: 1 of 2, keep 1: continue',
      't5 rung 1: 2 of 3, keep 1: stop',
    ]);
  });

  it('decides nothing before the first rung, between rungs, at the end, or twice at a rung', () => {
    expect(
      run([
        [1, 50, 5],
        [1, 100, 5],
        [1, 200, 4],
        [1, 100, 4],
        [1, 300, 3],
        [1, 600, 2],
        [1, 900, 1],
      ]),
    ).toEqual([
      't1 @50: -',
      't1 rung 0: 1 of 1, keep 1: continue',
      't1 @200: -',
      't1 @100: -',
      't1 rung 1: 1 of 1, keep 1: continue',
      't1 @600: -',
      't1 @900: -',
    ]);
  });

  it('judges a trial at the first result past a rung it missed (a coordinator restart), at the highest such rung', () => {
    expect(
      run([
        [1, 100, 5],
        [2, 150, 4],
        [3, 350, 3],
      ]),
    ).toEqual(['t1 rung 0: 1 of 1, keep 1: continue', 't2 rung 0: 1 of 2, keep 1: continue', 't3 rung 1: 1 of 1, keep 1: continue']);
  });

  it('gives ties to the earlier result and never stops a trial resumed by hand again', () => {
    expect(
      run([
        [1, 100, 4],
        [2, 100, 4],
        [2, 300, 1],
      ]),
    ).toEqual(['t1 rung 0: 1 of 1, keep 1: continue', 't2 rung 0: 2 of 2, keep 1: stop', 't2 @300: -']);
  });

  it('ranks by minus BLEU for bleu, and a diverged loss last', () => {
    expect(rankedValue('bleu', { loss: 2, bleu: 31.5 })).toBe(-31.5);
    expect(rankedValue('bleu', { loss: 2 })).toBeUndefined();
    expect(rankedValue('validation_loss', { loss: Number.NaN })).toBe(Number.POSITIVE_INFINITY);
    const results: RungResult[] = [{ trialId: 1, rung: 0, step: 100, value: Number.POSITIVE_INFINITY, verdict: 'continue' }];
    expect(ashaDecide(rungs, results, 2, 100, 9)?.result.verdict).toBe('continue');
  });
});
