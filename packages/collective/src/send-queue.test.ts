import { describe, expect, it } from 'vitest';
import { SendQueue } from './send-queue.js';

describe('SendQueue', () => {
  it('hands messages to the socket one at a time, in order', async () => {
    const sent: string[] = [];
    let busy = false;
    const releases: (() => void)[] = [];
    const sink = {
      send(frames: Buffer[]): Promise<void> {
        expect(busy).toBe(false);
        busy = true;
        sent.push(frames[0]?.toString() ?? '');
        return new Promise<void>((resolve) => releases.push(() => ((busy = false), resolve())));
      },
    };
    const q = new SendQueue(sink, () => undefined);
    for (const m of ['a', 'b', 'c']) q.push([Buffer.from(m)]);
    const drained = q.drained();
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    await drained;
    expect(sent).toEqual(['a', 'b', 'c']);
  });

  it('reports a send error once and drops what follows', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const q = new SendQueue({ send: () => (calls++, Promise.reject(new Error('EBADF'))) }, (e) => errors.push(e));
    q.push([Buffer.from('a')]);
    q.push([Buffer.from('b')]);
    await q.drained();
    q.push([Buffer.from('c')]);
    await q.drained();
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
  });
});
