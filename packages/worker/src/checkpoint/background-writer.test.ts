import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackgroundCheckpointWriter } from './background-writer.js';
import { CheckpointStore } from './checkpoint-store.js';
import { CheckpointThread } from './checkpoint-thread-client.js';

type Written = { path: string; seconds: number };

/** A write the test finishes by hand. */
function manual(): { write: () => Promise<Written>; finish: (path: string) => void; fail: (e: Error) => void } {
  let finish: (path: string) => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const promise = new Promise<Written>((resolve, reject) => ((finish = (path) => resolve({ path, seconds: 0.1 })), (fail = reject)));
  return { write: () => promise, finish, fail };
}

const written = (path: string) => Promise.resolve({ path, seconds: 0.1 });
/** Lets a finished write's handlers run. */
const turn = () => new Promise((r) => setImmediate(r));

describe('BackgroundCheckpointWriter', () => {
  it('starts a write without waiting for it, runs one at a time, and reports each finished write once', async () => {
    const writer = new BackgroundCheckpointWriter();
    const first = manual();
    await writer.start(10, first.write);
    expect(writer.busy).toBe(true);
    let secondStarted = false;
    const second = writer.start(20, () => ((secondStarted = true), written('/ckpt/20')));
    await Promise.resolve();
    expect(secondStarted).toBe(false); // waits for the first write
    first.finish('/ckpt/10');
    await second;
    await writer.settle();
    expect(secondStarted).toBe(true);
    expect(writer.takeFinished().map((w) => [w.step, w.path])).toEqual([
      [10, '/ckpt/10'],
      [20, '/ckpt/20'],
    ]);
    expect(writer.takeFinished()).toEqual([]);
    expect(writer.busy).toBe(false);
  });

  it('keeps a failed write: throwIfFailed and the next start throw it once', async () => {
    const writer = new BackgroundCheckpointWriter();
    const w = manual();
    await writer.start(5, w.write);
    expect(() => writer.throwIfFailed()).not.toThrow(); // still running
    w.fail(new Error('disk full'));
    await turn();
    expect(() => writer.throwIfFailed()).toThrow('disk full');
    expect(() => writer.throwIfFailed()).not.toThrow();
    const again = manual();
    await writer.start(6, again.write);
    again.fail(new Error('still full'));
    await expect(writer.start(7, () => written('/ckpt/7'))).rejects.toThrow('still full');
    await expect(writer.settle()).resolves.toBeUndefined();
  });
});

describe('CheckpointThread', () => {
  it('writes on a worker thread what CheckpointStore reads back, from shared and from ordinary buffers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-ckpt-thread-'));
    const thread = new CheckpointThread(dir, 2);
    try {
      const shared = new Float32Array(new SharedArrayBuffer(12));
      shared.set([1.5, -2, 3]);
      const moments = Float32Array.of(0.25, 0.5);
      const { path, seconds } = await thread.write(3, {
        model: [Uint8Array.of(7), new Uint8Array(shared.buffer)],
        optimizer: [new Uint8Array(moments.buffer)],
        state: { step: 3 },
      });
      expect(path).toBe(join(dir, 'step-00000003'));
      expect(seconds).toBeGreaterThan(0);
      const read = await new CheckpointStore(dir, 2).read(3);
      expect([...read.model]).toEqual([7, ...new Uint8Array(Float32Array.of(1.5, -2, 3).buffer)]);
      expect([...read.optimizer]).toEqual([...new Uint8Array(Float32Array.of(0.25, 0.5).buffer)]);
      expect(read.state).toEqual({ step: 3 });
    } finally {
      await thread.close();
    }
  });

  it('fails with a CheckpointError naming the directory when the write fails', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'orquesta-ckpt-thread-'));
    const blocked = join(parent, 'file');
    writeFileSync(blocked, 'not a directory');
    const thread = new CheckpointThread(join(blocked, 'run'), 1);
    try {
      await expect(thread.write(1, { model: [Uint8Array.of(1)], optimizer: [], state: {} })).rejects.toMatchObject({
        name: 'CheckpointError',
        message: expect.stringMatching(/file\/run: writing a checkpoint failed: Error: ENOTDIR/),
      });
    } finally {
      await thread.close();
    }
  });
});
