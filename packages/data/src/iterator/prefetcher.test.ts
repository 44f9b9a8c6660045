import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { windowPlanner } from '../batching/window-planner.js';
import { BatchIterator } from './batch-iterator.js';
import { Prefetcher } from './prefetcher.js';

const stream = Int32Array.from({ length: 4000 }, (_, i) => (i * 7) % 101);
const make = () => new BatchIterator(windowPlanner(stream, 16, 2), { seed: 5, rank: 0, worldSize: 1 });

describe('Prefetcher', () => {
  it('yields the iterator sequence, prepared ahead while the caller awaits', async () => {
    const plain = make();
    const expected = Array.from({ length: 300 }, () => [...plain.next().starts].join());
    const pre = new Prefetcher(make(), { depth: 3 });
    await tick();
    await tick();
    await tick();
    expect(pre.buffered).toBe(3);
    const got: string[] = [];
    for (let i = 0; i < 300; i++) {
      got.push([...(await pre.next()).starts].join());
      if (i % 7 === 0) await tick();
    }
    expect(got).toEqual(expected);
    pre.close();
  });

  it('reports the state of handed-out batches only, so a resume does not skip prepared ones', async () => {
    const pre = new Prefetcher(make(), { depth: 4 });
    for (let i = 0; i < 10; i++) await pre.next();
    for (let i = 0; i < 5; i++) await tick();
    expect(pre.buffered).toBe(4);
    const state = JSON.parse(JSON.stringify(pre.state()));
    const next = [...(await pre.next()).starts];
    const resumed = make();
    resumed.restore(state);
    expect([...resumed.next().starts]).toEqual(next);

    const again = new Prefetcher(make());
    again.restore(state);
    expect([...(await again.next()).starts]).toEqual(next);
    pre.close();
    again.close();
  });

  it('passes on an iterator failure when the batch is requested', async () => {
    const tiny = new BatchIterator(windowPlanner(Int32Array.from([1, 2, 3]), 16, 2), { seed: 1, rank: 0, worldSize: 1 });
    const pre = new Prefetcher(tiny);
    await expect(pre.next()).rejects.toThrow(/fewer batches/);
    expect(() => new Prefetcher(make(), { depth: 0 })).toThrow(RangeError);
  });
});
