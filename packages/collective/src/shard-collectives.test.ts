import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attachSharedMemory } from './attach-shared-memory.js';
import { createInMemoryNetworkGroups } from './create-in-memory-groups.js';
import { CollectiveArgumentError } from './errors.js';
import { shardRange } from './partition.js';
import type { RingProcessGroup } from './ring-process-group.js';
import { finishFp16Shards, fp16ReduceScatterHook, reduceScatterSumHook } from './shard-hooks.js';
import { fp16CompressSumHook, reduceBucket } from './comm-hooks.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function groupsOf(n: number, plane: 'ring' | 'shm'): Promise<RingProcessGroup[]> {
  const { groups } = createInMemoryNetworkGroups(n, { segmentBytes: 64 });
  if (plane === 'shm') {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-shard-test-'));
    dirs.push(dir);
    expect(await Promise.all(groups.map((g) => attachSharedMemory(g, dir, 1 << 20, () => undefined)))).toEqual(groups.map(() => true));
  }
  return groups;
}

const bits = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
/** Values of very different magnitudes, so that summation order shows in the last bits. */
const awkward = (length: number, seed: number): Float32Array =>
  Float32Array.from({ length }, (_, i) => Math.sin(seed * 7919 + i * 104729) * 10 ** ((i * 7 + seed) % 9) - 3);

describe('reduce-scatter and shard gather', () => {
  for (const plane of ['ring', 'shm'] as const) {
    for (const n of [1, 2, 3, 5]) {
      it(`${plane}, ${n} ranks: each shard holds the all-reduce's bits; the gather restores every shard everywhere`, async () => {
        const groups = await groupsOf(n, plane);
        for (const length of [0, 1, n + 1, 37, 1031]) {
          const inputs = groups.map((g) => awkward(length, g.rank + 1));
          const reduced = await Promise.all(groups.map((g, r) => g.allReduce(inputs[r]!.slice(), 'sum')));
          const scattered = await Promise.all(groups.map((g, r) => g.reduceScatter(inputs[r]!.slice())));
          // The ranks' shards tile the tensor.
          const ranges = groups.map((g) => shardRange(length, g.rank, n));
          expect(ranges.map((r) => r.end - r.start).reduce((a, b) => a + b, 0)).toBe(length);
          for (const [r, { start, end }] of ranges.entries()) expect(bits(scattered[r]!.subarray(start, end))).toBe(bits(reduced[0]!.subarray(start, end)));
          const gathered = await Promise.all(groups.map((g, r) => g.shardGather(scattered[r]!)));
          for (const g of gathered) expect(bits(g)).toBe(bits(reduced[0]!));
        }
        await Promise.all(groups.map((g) => g.close()));
      });
    }
  }

  it('fp16 on the wire: a shard holds exactly what the all-reduce of the same compression leaves there', async () => {
    const groups = await groupsOf(3, 'ring');
    const inputs = groups.map((g) => awkward(301, g.rank + 5).map((x) => x / 1e6));
    const reduced = await Promise.all(groups.map((g, r) => g.allReduce(inputs[r]!.slice(), 'sum', { compression: 'fp16' })));
    const scattered = await Promise.all(groups.map((g, r) => g.reduceScatter(inputs[r]!.slice(), { compression: 'fp16' })));
    for (const g of groups) {
      const { start, end } = shardRange(301, g.rank, 3);
      expect(bits(scattered[g.rank]!.subarray(start, end))).toBe(bits(reduced[0]!.subarray(start, end)));
    }
  });

  it('rejects a non-Float32Array without taking a sequence number', async () => {
    const groups = await groupsOf(2, 'ring');
    await expect(groups[0]!.reduceScatter([1] as unknown as Float32Array)).rejects.toThrow(CollectiveArgumentError);
    await expect(groups[0]!.shardGather(new Float64Array(1) as unknown as Float32Array)).rejects.toThrow('shardGather: data: expected a Float32Array');
    await expect(groups[0]!.reduceScatter(new Float32Array(1), { compression: 'bf16' as 'fp16' })).rejects.toThrow(CollectiveArgumentError);
  });
});

describe('shard hooks', () => {
  const bucketOf = (buffer: Float32Array) => ({ index: 0, buffer, gradients: [{ name: 'g', offset: 0, length: buffer.length }] });

  for (const [name, overflow] of [
    ['in range', 1],
    ['overflowing fp16 in one shard', 1e9],
  ] as const) {
    it(`fp16 reduce-scatter + finishFp16Shards equals fp16CompressSumHook on every shard (${name})`, async () => {
      const n = 3;
      const groups = await groupsOf(n, 'ring');
      const inputs = groups.map((g) => awkward(97, g.rank + 2).map((x, i) => (i === 50 ? x * overflow : x / 1e4)));
      const expected = await Promise.all(groups.map((g, r) => reduceBucket(fp16CompressSumHook, { group: g }, bucketOf(inputs[r]!.slice()))));
      const redone = await Promise.all(
        groups.map(async (g, r) => {
          const buffer = inputs[r]!.slice();
          await fp16ReduceScatterHook({ group: g }, bucketOf(buffer));
          const fallback = await finishFp16Shards(g, [buffer], () => buffer.set(inputs[r]!));
          const { start, end } = shardRange(97, g.rank, n);
          expect(bits(buffer.subarray(start, end))).toBe(bits(expected[0]!.subarray(start, end)));
          return fallback;
        }),
      );
      expect(redone).toEqual(groups.map(() => (overflow > 1 ? [0] : [])));
    });
  }

  it('float32 reduce-scatter hook: the shard is the sum', async () => {
    const groups = await groupsOf(2, 'ring');
    const out = await Promise.all(groups.map((g) => reduceScatterSumHook({ group: g }, bucketOf(Float32Array.of(1, 2, 3)))));
    expect([...out[0]!.subarray(shardRange(3, 0, 2).start, shardRange(3, 0, 2).end)]).toEqual([6]);
    expect([...out[1]!.subarray(0, 2)]).toEqual([2, 4]);
  });
});
