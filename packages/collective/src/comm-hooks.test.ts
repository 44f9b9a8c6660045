import { describe, expect, it } from 'vitest';
import { allReduceMeanHook, allReduceSumHook, commHookFor, fp16CompressHook, fp16CompressSumHook, reduceBucket, type GradBucket } from './comm-hooks.js';
import { createInMemoryNetworkGroups } from './create-in-memory-groups.js';

function bucket(buffer: Float32Array): GradBucket {
  return { index: 0, buffer, gradients: [{ name: 'w', offset: 0, length: buffer.length }] };
}

function inputs(n: number, length: number, scale: number): Float32Array[] {
  let s = 99;
  return Array.from({ length: n }, () =>
    Float32Array.from({ length }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32 - 0.5) * scale;
    }),
  );
}

describe('comm hooks', () => {
  it('mean hook: all-reduce sum divided by the world size', async () => {
    const { groups } = createInMemoryNetworkGroups(3);
    const out = await Promise.all(groups.map((group) => allReduceMeanHook({ group }, bucket(Float32Array.of(group.rank, 3)))));
    for (const o of out) expect([...o]).toEqual([1, 3]);
  });

  for (const n of [2, 3, 5]) {
    it(`fp16 hook over ${n} ranks: half the bytes, within the documented bound, bit-identical`, async () => {
      const length = 4099;
      const xs = inputs(n, length, 200);
      const exact = Array.from({ length }, (_, i) => xs.reduce((s, x) => s + (x[i] as number), 0) / n);
      const meanAbs = Array.from({ length }, (_, i) => xs.reduce((s, x) => s + Math.abs(x[i] as number), 0) / n);

      const f32 = createInMemoryNetworkGroups(n, { segmentBytes: 1024 });
      await Promise.all(f32.groups.map((group, r) => allReduceMeanHook({ group }, bucket((xs[r] as Float32Array).slice()))));
      const f16 = createInMemoryNetworkGroups(n, { segmentBytes: 1024 });
      const out = await Promise.all(f16.groups.map((group, r) => reduceBucket(fp16CompressHook, { group }, bucket((xs[r] as Float32Array).slice()))));

      expect(f16.network.bytesSent / f32.network.bytesSent).toBeGreaterThan(0.49);
      expect(f16.network.bytesSent / f32.network.bytesSent).toBeLessThan(0.56); // payload halves; headers do not
      let excess = 0;
      let worst = 0;
      for (let i = 0; i < length; i++) {
        const err = Math.abs((out[0]?.[i] as number) - (exact[i] as number));
        excess = Math.max(excess, err - (n * 2 ** -11 * (meanAbs[i] as number) + n * 2 ** -25));
        worst = Math.max(worst, err / (meanAbs[i] as number));
      }
      expect(excess).toBe(0);
      expect(worst).toBeGreaterThan(2 ** -14); // the values really went through fp16
      for (const o of out) expect(Buffer.from(o.buffer).equals(Buffer.from((out[0] as Float32Array).buffer))).toBe(true);
    });
  }

  it('fp16 hook falls back to float32 when a value overflows fp16, on every rank alike', async () => {
    const { groups } = createInMemoryNetworkGroups(2);
    const out = await Promise.all(groups.map((group) => reduceBucket(fp16CompressHook, { group }, bucket(Float32Array.of(1e6 * (group.rank + 1), 0.1)))));
    for (const o of out) expect([...o]).toEqual([1.5e6, Math.fround(0.1)]);
  });

  it('picks the hook from the spec compression', () => {
    expect(commHookFor('none')).toBe(allReduceMeanHook);
    expect(commHookFor('fp16')).toBe(fp16CompressHook);
  });

  it('picks the hook from the spec compression and the reduction', () => {
    expect(commHookFor('none', 'mean')).toBe(allReduceMeanHook);
    expect(commHookFor('fp16', 'mean')).toBe(fp16CompressHook);
    expect(commHookFor('none', 'sum')).toBe(allReduceSumHook);
    expect(commHookFor('fp16', 'sum')).toBe(fp16CompressSumHook);
  });
});

describe('sum comm hooks', () => {
  it('float32 sum hook: all-reduce sum, not divided by the world size', async () => {
    const { groups } = createInMemoryNetworkGroups(3);
    const out = await Promise.all(groups.map((group) => allReduceSumHook({ group }, bucket(Float32Array.of(group.rank, 3)))));
    for (const o of out) expect([...o]).toEqual([3, 9]);
  });

  for (const n of [2, 3, 5]) {
    it(`fp16 sum hook over ${n} ranks: N times the fp16 mean, within the documented bound of the sum, bit-identical`, async () => {
      const length = 4099;
      const xs = inputs(n, length, 200);
      const exact = Array.from({ length }, (_, i) => xs.reduce((s, x) => s + (x[i] as number), 0));
      const sumAbs = Array.from({ length }, (_, i) => xs.reduce((s, x) => s + Math.abs(x[i] as number), 0));

      const f32 = createInMemoryNetworkGroups(n, { segmentBytes: 1024 });
      await Promise.all(f32.groups.map((group, r) => allReduceSumHook({ group }, bucket((xs[r] as Float32Array).slice()))));
      const mean = createInMemoryNetworkGroups(n, { segmentBytes: 1024 });
      const means = await Promise.all(mean.groups.map((group, r) => reduceBucket(fp16CompressHook, { group }, bucket((xs[r] as Float32Array).slice()))));
      const f16 = createInMemoryNetworkGroups(n, { segmentBytes: 1024 });
      const out = await Promise.all(f16.groups.map((group, r) => reduceBucket(fp16CompressSumHook, { group }, bucket((xs[r] as Float32Array).slice()))));

      expect(f16.network.bytesSent / f32.network.bytesSent).toBeGreaterThan(0.49);
      expect(f16.network.bytesSent / f32.network.bytesSent).toBeLessThan(0.56);
      const sums = out[0] as Float32Array;
      let notScaled = 0;
      let excess = 0;
      let worst = 0;
      for (let i = 0; i < length; i++) {
        if (sums[i] !== Math.fround((means[0]?.[i] as number) * n)) notScaled++;
        const err = Math.abs((sums[i] as number) - (exact[i] as number));
        excess = Math.max(excess, err - (n * 2 ** -11 * (sumAbs[i] as number) + n * n * 2 ** -25 + 2 ** -24 * Math.abs(sums[i] as number)));
        worst = Math.max(worst, err / (sumAbs[i] as number));
      }
      expect(notScaled).toBe(0);
      expect(excess).toBe(0);
      expect(worst).toBeGreaterThan(2 ** -14); // the values really went through fp16
      for (const o of out) expect(Buffer.from(o.buffer).equals(Buffer.from(sums.buffer))).toBe(true);
    });
  }

  it('fp16 sum hook returns a sum beyond fp16 range (2 x 6e4 > 65504) finite, exact when the inputs are', async () => {
    const { groups } = createInMemoryNetworkGroups(2);
    const out = await Promise.all(groups.map((group) => reduceBucket(fp16CompressSumHook, { group }, bucket(Float32Array.of(6e4, -6e4, 1024)))));
    for (const o of out) expect([...o]).toEqual([1.2e5, -1.2e5, 2048]);
  });

  it('fp16 sum hook falls back to the exact float32 sum when a value overflows fp16, on every rank alike', async () => {
    const n = 3;
    const xs = Array.from({ length: n }, (_, r) => Float32Array.of(1e5 * (r + 1), 0.1 * (r + 1), -7e4));
    const reference = await Promise.all(
      createInMemoryNetworkGroups(n).groups.map((group, r) => allReduceSumHook({ group }, bucket((xs[r] as Float32Array).slice()))),
    );
    const out = await Promise.all(
      createInMemoryNetworkGroups(n).groups.map((group, r) => reduceBucket(fp16CompressSumHook, { group }, bucket((xs[r] as Float32Array).slice()))),
    );
    expect(reference[0]?.[0]).toBe(6e5);
    expect(reference[0]?.[2]).toBe(-2.1e5);
    for (const o of out) expect(Buffer.from(o.buffer).equals(Buffer.from((reference[0] as Float32Array).buffer))).toBe(true);
  });
});
