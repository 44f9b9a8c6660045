import { describe, expect, it } from 'vitest';
import { RequestBatcher } from './request-batcher.js';

describe('RequestBatcher', () => {
  it('runs requests that arrive together as one batch, those that arrive during it as the next, in order', async () => {
    const batches: number[][] = [];
    const batcher = new RequestBatcher<number, number>(
      async (inputs) => {
        batches.push([...inputs]);
        await new Promise((r) => setTimeout(r, 20));
        return inputs.map((x) => x * 10);
      },
      { maxBatch: 4, maxWaitMs: 5 },
    );
    const first = [1, 2, 3].map((x) => batcher.submit(x));
    await new Promise((r) => setTimeout(r, 10)); // the first batch is running
    const later = [4, 5, 6, 7, 8, 9].map((x) => batcher.submit(x));
    expect(await Promise.all([...first, ...later])).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(batcher.served).toEqual({ batches: 3, requests: 9 });
  });

  it('rejects every request of a failed batch with its error, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new RequestBatcher<string, string>(
      async (inputs) => {
        if (calls++ === 0) throw new RangeError('too long');
        return inputs.map((s) => s.toUpperCase());
      },
      { maxBatch: 8, maxWaitMs: 5 },
    );
    const failed = [batcher.submit('a'), batcher.submit('b')];
    await expect(failed[0]).rejects.toThrow('too long');
    await expect(failed[1]).rejects.toThrow('too long');
    expect(await batcher.submit('c')).toBe('C');
    expect(batcher.queued).toBe(0);
  });
});
