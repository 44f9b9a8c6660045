import { describe, expect, it } from 'vitest';
import type { TimeUse } from '@orquesta/protocol';
import { emptyGoodput, goodputEnded, goodputInterrupted, goodputPlaced, goodputReported, goodputResumed, goodputView, GOODPUT_USES } from './goodput-ledger.js';

const time = (t: Partial<TimeUse>): TimeUse => ({
  startup: 0,
  steps: 0,
  evaluation: 0,
  checkpoint: 0,
  other: 0,
  ...t,
});
const sum = (s: Record<string, number>) => GOODPUT_USES.reduce((n, u) => n + s[u]!, 0);

describe('goodput ledger', () => {
  it('counts start-up from the placement and step seconds as productive in an uninterrupted run', () => {
    let s = goodputPlaced(emptyGoodput(), '1.1', 0, 10_000);
    s = goodputResumed(s, '1.1', 0);
    // Rank 0 started 1 s after the placement, began stepping after 2 s of its own start-up.
    s = goodputReported(s, '1.1', 10, time({ startup: 2, steps: 10, checkpoint: 0.5, other: 0.5 }), 24_000);
    s = goodputEnded(s, '1.1', false, 25_000);
    const v = goodputView(s, 99_000, false);
    expect(v.wallSeconds).toBeCloseTo(15, 9);
    expect(v.seconds.startup).toBeCloseTo(3, 9);
    expect(v.seconds.productive).toBeCloseTo(10, 9);
    expect(v.seconds.checkpoint).toBeCloseTo(0.5, 9);
    expect(v.seconds.stalls).toBeCloseTo(1.5, 9); // 0.5 reported + the 1 s after the last report
    expect(v.goodput).toBeCloseTo(10 / 15, 9);
  });

  it('charges a peer recovery one interrupted step and the wait for the group to form again as recovery', () => {
    let s = goodputPlaced(emptyGoodput(), '1.1', 0, 0);
    s = goodputResumed(s, '1.1', 0);
    s = goodputReported(s, '1.1', 20, time({ startup: 1, steps: 20 }), 21_000); // 1 s per step
    s = goodputInterrupted(s, '1.1', 24_000); // lost 3 s after the report: 2 steps kept, 1 interrupted
    s = goodputPlaced(s, '1.1/1', 22, 26_000); // the group formed again 2 s later, every rank at step 22
    s = goodputReported(s, '1.1/1', 30, time({ steps: 8 }), 34_000);
    const v = goodputView(s, 34_000, false);
    expect(v.seconds.productive).toBeCloseTo(20 + 2 + 8, 9);
    expect(v.seconds.replayed).toBeCloseTo(1, 9);
    expect(v.seconds.recovery).toBeCloseTo(2, 9);
    expect(v.seconds.startup).toBeCloseTo(1, 9);
    expect(sum(v.seconds)).toBeCloseTo(v.wallSeconds, 9);
    expect(v.wallSeconds).toBeCloseTo(34, 9);
  });

  it('charges a checkpoint restart: the lost tail and the steps run again are replayed, the gap is recovery', () => {
    let s = goodputPlaced(emptyGoodput(), '1.1', 0, 0);
    s = goodputReported(s, '1.1', 20, time({ startup: 1, steps: 20 }), 21_000);
    s = goodputEnded(s, '1.1', true, 23_000); // killed at step ~22: 2 s unreported
    s = goodputPlaced(s, '1.2', 0, 25_000);
    s = goodputResumed(s, '1.2', 10); // from the checkpoint of step 10
    // Steps 11..30 in 20 s: 11..20 (10 s) ran before.
    s = goodputReported(s, '1.2', 30, time({ startup: 1, steps: 20 }), 46_000);
    const v = goodputView(s, 46_000, false);
    expect(v.seconds.productive).toBeCloseTo(30, 9);
    expect(v.seconds.replayed).toBeCloseTo(12, 9);
    expect(v.seconds.recovery).toBeCloseTo(2, 9);
    expect(v.seconds.startup).toBeCloseTo(2, 9);
    expect(v.wallSeconds).toBeCloseTo(46, 9);
    expect(sum(v.seconds)).toBeCloseTo(v.wallSeconds, 9);
  });

  it('counts the wait for a restart as recovery while the trial is queued again', () => {
    let s = goodputPlaced(emptyGoodput(), '1.1', 0, 0);
    s = goodputReported(s, '1.1', 5, time({ startup: 1, steps: 4 }), 5_000);
    s = goodputEnded(s, '1.1', true, 5_000);
    expect(goodputView(s, 8_000, true).seconds.recovery).toBeCloseTo(3, 9);
    expect(goodputView(s, 8_000, false).seconds.recovery).toBe(0);
  });

  it('ignores reports and ends of other runs', () => {
    const s = goodputPlaced(emptyGoodput(), '1.2', 0, 0);
    expect(goodputReported(s, '1.1', 3, time({}), 1_000)).toBe(s);
    expect(goodputEnded(s, '1.1', true, 1_000)).toBe(s);
  });
});
