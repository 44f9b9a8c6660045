import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attachSharedMemory } from './attach-shared-memory.js';
import { createInMemoryNetworkGroups } from './create-in-memory-groups.js';
import { CollectiveMismatchError, PeerLostError } from './errors.js';
import type { GroupEvent } from './group-events.js';
import type { RingProcessGroup } from './ring-process-group.js';
import { SharedFileIoError, SharedMemoryFiles } from './shared-memory-files.js';

const LIMIT = 1 << 20;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orquesta-shm-test-'));
  dirs.push(dir);
  return dir;
}

/** In-memory groups (the ring's sockets) whose all-reduces go through files in a fresh directory. */
async function sharedGroups(n: number, segmentBytes = 256): Promise<{ groups: RingProcessGroup[]; dir: string; events: GroupEvent[] }> {
  const dir = freshDir();
  const events: GroupEvent[] = [];
  const { groups } = createInMemoryNetworkGroups(n, { segmentBytes });
  const attached = await Promise.all(groups.map((g) => attachSharedMemory(g, dir, LIMIT, (e) => events.push(e))));
  expect(attached).toEqual(groups.map(() => true));
  return { groups, dir, events };
}

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const random = (length: number): Float32Array => Float32Array.from({ length }, () => Math.random() * 2 - 1);

describe('all-reduce through shared memory', () => {
  for (const n of [2, 3, 4, 5]) {
    it(`${n} ranks: sum and mean of awkward sizes equal the serial sum, bit-identical on every rank`, async () => {
      const { groups, dir, events } = await sharedGroups(n);
      expect(readdirSync(dir)).toEqual([]); // unlinked once every rank had opened them
      expect(events.filter((e) => e.type === 'shared-memory' && e.enabled)).toHaveLength(n);
      for (const length of [0, 1, n - 1, 7, 1031, 10_007]) {
        for (const op of ['sum', 'mean'] as const) {
          const inputs = groups.map(() => random(length));
          const outputs = await Promise.all(groups.map((g, r) => g.allReduce((inputs[r] as Float32Array).slice(), op)));
          for (const o of outputs) expect(sameBits(o, outputs[0] as Float32Array)).toBe(true);
          for (let i = 0; i < length; i++) {
            const sum = inputs.reduce((s, x) => s + (x[i] as number), 0);
            const abs = inputs.reduce((s, x) => s + Math.abs(x[i] as number), 0);
            const scale = op === 'mean' ? n : 1;
            expect(Math.abs((outputs[0]?.[i] as number) - sum / scale)).toBeLessThanOrEqual(((n + 1) * 2 ** -24 * abs) / scale);
          }
        }
      }
      await Promise.all(groups.map((g) => g.close()));
    });
  }

  it('consecutive operations of different lengths and compression each get their own result (the two files alternate)', async () => {
    const { groups } = await sharedGroups(3, 4096);
    const rounds = await Promise.all(
      groups.map(async (g) => {
        const queued: Promise<Float32Array>[] = [];
        for (let i = 1; i <= 6; i++) {
          const data = new Float32Array(100 * i + g.rank).fill(i * (g.rank + 1));
          // not awaited: the operations queue, as gradient buckets do
          queued.push(g.allReduce(data.subarray(0, 100 * i), 'sum', { compression: i % 2 === 0 ? 'fp16' : 'none' }));
        }
        const out = await Promise.all(queued);
        await g.barrier();
        out.push(await g.allReduce(Float32Array.of(1 / 3, 1e-8, 65_519), 'sum', { compression: 'fp16' }));
        return out;
      }),
    );
    for (const out of rounds) {
      for (let i = 1; i <= 6; i++) expect(out[i - 1]).toEqual(new Float32Array(100 * i).fill(i * 6));
      // float32 sums, nothing rounded to fp16 (65519 x 3 would overflow fp16)
      expect([...(out[6] as Float32Array)]).toEqual([...Float32Array.of(1 / 3 + 1 / 3 + 1 / 3, 3e-8, 3 * 65_519)]);
    }
  });

  it('ranks passing different lengths fail with a mismatch on every rank', async () => {
    const { groups } = await sharedGroups(3);
    const results = await Promise.allSettled(groups.map((g) => g.allReduce(new Float32Array(g.rank === 1 ? 11 : 10), 'sum')));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CollectiveMismatchError);
    }
    expect(String((results[0] as PromiseRejectedResult).reason.message)).toMatch(/passed (10|11) elements, this rank (10|11)/);
  });

  it('a rank whose shared memory fails is named as lost by every rank', async () => {
    const { groups } = await sharedGroups(2);
    (groups[1] as unknown as { planes: { shared: { files: SharedMemoryFiles } } }).planes.shared.files.close();
    const results = await Promise.allSettled(groups.map((g) => g.allReduce(new Float32Array(64).fill(1), 'sum')));
    for (const r of results) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(PeerLostError);
      expect((r as PromiseRejectedResult).reason).toMatchObject({ waitingFor: [1] });
    }
  });

  it("ranks that cannot open each other's files (other hosts) keep the socket ring and say why", async () => {
    const events: GroupEvent[] = [];
    const { groups } = createInMemoryNetworkGroups(3);
    const ownDirs = groups.map(() => freshDir()); // as if each rank had its own /dev/shm
    expect(await Promise.all(groups.map((g, r) => attachSharedMemory(g, ownDirs[r] as string, LIMIT, (e) => events.push(e))))).toEqual([false, false, false]);
    for (const d of ownDirs) expect(readdirSync(d)).toEqual([]);
    expect(events).toHaveLength(3);
    for (const e of events)
      expect(e).toMatchObject({ type: 'shared-memory', enabled: false, detail: expect.stringMatching(/is not here \(ENOENT\)|cannot reach every rank/) });
    const out = await Promise.all(groups.map((g) => g.allReduce(new Float32Array(50).fill(g.rank), 'sum')));
    for (const o of out) expect(o).toEqual(new Float32Array(50).fill(3));
  });

  it('a rank that cannot create its files makes the whole group keep the socket ring', async () => {
    const notADir = join(freshDir(), 'file');
    writeFileSync(notADir, '');
    const dir = freshDir();
    const { groups } = createInMemoryNetworkGroups(2);
    const events: GroupEvent[] = [];
    expect(await Promise.all(groups.map((g) => attachSharedMemory(g, g.rank === 0 ? notADir : dir, LIMIT, (e) => events.push(e))))).toEqual([false, false]);
    expect(events.find((e) => e.type === 'shared-memory' && e.detail.startsWith('rank 0 cannot create files'))).toBeDefined();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the shared-memory limit', () => {
  it('all-reduces above the limit keep the socket ring (fp16 rounding shows which path ran)', async () => {
    const dir = freshDir();
    const { groups } = createInMemoryNetworkGroups(2, { segmentBytes: 4096 });
    expect(await Promise.all(groups.map((g) => attachSharedMemory(g, dir, 4096, undefined)))).toEqual([true, true]);
    const third = (n: number): Float32Array => new Float32Array(n).fill(1 / 3);
    const results = await Promise.all(
      groups.map(async (g) => [await g.allReduce(third(1024), 'sum', { compression: 'fp16' }), await g.allReduce(third(1025), 'sum', { compression: 'fp16' })]),
    );
    const [small, large] = results[0] as Float32Array[];
    expect(small?.[0]).toBe(Math.fround(Math.fround(1 / 3) + Math.fround(1 / 3))); // 4096 bytes: shared memory, float32
    expect(large?.[0]).not.toBe(small?.[0]); // 4100 bytes: the ring, rounded to fp16 on the wire
    expect(Math.abs((large?.[0] as number) - 2 / 3)).toBeLessThan(2 ** -10);
  });

  it("a directory without room for every rank's files keeps the socket ring and says how much is missing", async () => {
    const dir = freshDir();
    const { groups } = createInMemoryNetworkGroups(2);
    const events: GroupEvent[] = [];
    expect(await Promise.all(groups.map((g) => attachSharedMemory(g, dir, 2 ** 50, (e) => events.push(e))))).toEqual([false, false]);
    expect(events[0]).toMatchObject({ type: 'shared-memory', enabled: false, detail: expect.stringMatching(/MiB free, the group's files may need \d+ MiB/) });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the shared-memory limit must agree', () => {
  it('ranks configured with different limits keep the socket ring', async () => {
    const dir = freshDir();
    const { groups } = createInMemoryNetworkGroups(2);
    const events: GroupEvent[] = [];
    expect(await Promise.all(groups.map((g) => attachSharedMemory(g, dir, g.rank === 0 ? 1 << 20 : (1 << 20) + 4096, (e) => events.push(e))))).toEqual([
      false,
      false,
    ]);
    expect(events[0]).toMatchObject({ enabled: false, detail: "the ranks' shared-memory limits differ (1048576, 1052672 bytes)" });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('SharedMemoryFiles', () => {
  it('reports short reads as an I/O error naming the file owner', async () => {
    const dir = freshDir();
    const [a, b] = [SharedMemoryFiles.create(dir, 0, 2), SharedMemoryFiles.create(dir, 1, 2)];
    expect(a.openPeers([a.name, b.name])).toBeUndefined();
    b.write(0, Buffer.from([1, 2, 3, 4]), 0);
    const into = Buffer.alloc(4);
    a.read(0, 1, into, 0);
    expect([...into]).toEqual([1, 2, 3, 4]);
    expect(() => a.read(0, 1, Buffer.alloc(8), 0)).toThrow(SharedFileIoError);
    expect(() => a.read(0, 1, Buffer.alloc(8), 0)).toThrow(/rank 1's shared memory ends at byte 4, expected 8/);
    a.close();
    b.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
