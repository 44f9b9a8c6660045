import { describe, expect, it } from 'vitest';
import { PassLoop } from './pass-loop.js';
import { RestartRecovery } from './restart-recovery.js';
import { quantiles, ControlPlaneStats } from './control-plane-stats.js';
import { LogHistogram } from './log-histogram.js';
import type { TrialRow } from '../store/rows.js';

describe('PassLoop', () => {
  it('runs one deferred pass for a burst of requests, none while held, and one more when asked during a pass', () => {
    const deferred: { run: () => void; delayMs: number }[] = [];
    let held = false;
    let passes = 0;
    const loop: PassLoop = new PassLoop(
      () => {
        passes++;
        if (passes === 2) loop.now(); // asked while applying: runs once after
      },
      (run, delayMs) => deferred.push({ run, delayMs }),
      () => held,
    );
    for (let i = 0; i < 100; i++) loop.soon();
    expect(deferred).toHaveLength(1);
    deferred.shift()!.run();
    expect(passes).toBe(1);
    loop.now();
    expect(passes).toBe(3);
    held = true;
    loop.now();
    expect(passes).toBe(3);
  });

  it('runs a pass cut short again on the next turn, without the gap, once', () => {
    const deferred: { run: () => void; delayMs: number }[] = [];
    let passes = 0;
    const loop = new PassLoop(
      () => passes++,
      (run, delayMs) => deferred.push({ run, delayMs }),
      () => false,
      50,
    );
    loop.now();
    loop.soon(); // waits for the gap
    loop.next(); // supersedes it
    expect(deferred.map((d) => d.delayMs)).toEqual([expect.any(Number), 0]);
    expect(deferred[0]?.delayMs).toBeGreaterThan(0);
    for (const d of deferred.splice(0)) d.run();
    expect(passes).toBe(2);
  });

  it('leaves gapMs between the end of a pass and the next requested one', () => {
    const delays: number[] = [];
    const loop = new PassLoop(
      () => {},
      (_run, delayMs) => delays.push(delayMs),
      () => false,
      50,
    );
    loop.now();
    loop.soon();
    expect(delays[0]).toBeGreaterThan(40);
    expect(delays[0]).toBeLessThanOrEqual(50);
  });
});

describe('RestartRecovery', () => {
  const trial = (agents: string[]) => ({ placement: { workers: agents.map((agent, rank) => ({ agent, rank })) } }) as unknown as TrialRow;

  it('waits for the agents of the active trials only, and ends when the last one registers or the grace ends', () => {
    const r = new RestartRecovery([trial(['a', 'b']), trial(['slurm-9-0-1'])], ['a', 'b', 'c'], 1000, 15_000);
    expect([r.waiting, r.missing]).toEqual([true, 2]);
    expect(r.heard('c')).toBe(false);
    expect(r.heard('a')).toBe(false);
    expect(r.heard('b')).toBe(true);
    expect(r.waiting).toBe(false);
    const late = new RestartRecovery([trial(['a'])], ['a'], 1000, 15_000);
    expect(late.due(15_999)).toBe(false);
    expect(late.due(16_000)).toBe(true);
    expect(late.due(16_001)).toBe(false);
    expect(new RestartRecovery([trial(['slurm-9-0-1'])], ['a'], 1000, 15_000).waiting).toBe(false);
  });
});

describe('ControlPlaneStats', () => {
  it('keeps the last samples and gives nearest-rank quantiles', () => {
    expect(quantiles([])).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
    expect(quantiles(Array.from({ length: 100 }, (_, i) => i + 1))).toEqual({ count: 100, p50: 50, p99: 99, max: 100 });
    const stats = new ControlPlaneStats(3);
    for (const ms of [100, 1, 2, 3]) stats.recordHeartbeatLag(ms);
    stats.recordPass({ at: 1, ms: 5, pending: 10, active: 2, agents: 1, slots: 8 });
    const snapshot = stats.snapshot(true);
    // The ring forgot the 100 ms heartbeat; the histogram since the start did not.
    expect(snapshot.heartbeatLag).toMatchObject({ count: 3, p50: 2, p99: 3, max: 3, total: 4 });
    expect(snapshot.heartbeatLag.sinceStart).toMatchObject({ count: 4, max: 100, p99: 100 });
    expect(snapshot.scheduling.samples).toEqual([{ at: 1, ms: 5, pending: 10, active: 2, agents: 1, slots: 8 }]);
  });

  it('gives quantiles of every value since the start within 2 %, in constant memory', () => {
    const histogram = new LogHistogram();
    const values = Array.from({ length: 100_000 }, (_, i) => ((i * 7919) % 100_000) / 10); // 0 to 9999.9, shuffled
    for (const v of values) histogram.record(v);
    const exact = quantiles(values);
    const q = histogram.quantiles();
    expect(q.count).toBe(100_000);
    expect(q.max).toBe(exact.max);
    expect(Math.abs(q.p50 - exact.p50) / exact.p50).toBeLessThan(0.02);
    expect(Math.abs(q.p99 - exact.p99) / exact.p99).toBeLessThan(0.02);
    expect(new LogHistogram().quantiles()).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
  });
});
