import { afterEach, describe, expect, it } from 'vitest';
import { createCurveKeys, curveOptionsFor } from '@orquesta/curve';
import { endpointsFor, twoHosts, VARIANTS } from './endpoints.js';
import { decodeFloats, spawnRanks, type RankLine } from './spawn-ranks.js';

interface Case {
  kind: string;
  op?: 'sum' | 'mean';
  compression?: string;
  length?: number;
  root?: number;
  input?: string;
  output?: string | string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * What the ring computes, bit for bit: chunk c of a Partition(length, n) is summed in float32 starting
 * with rank c's elements, then rank c+1's, ... (mod n); a mean divides that sum by n.
 */
function ringSum(inputs: Float32Array[], op: 'sum' | 'mean', n: number): Float32Array {
  const length = inputs[0]?.length ?? 0;
  const [base, extra] = [Math.floor(length / n), length % n];
  const out = new Float32Array(length);
  for (let c = 0; c < n; c++) {
    for (let i = c * base + Math.min(c, extra); i < (c + 1) * base + Math.min(c + 1, extra); i++) {
      let acc = inputs[c]?.[i] as number;
      for (let k = 1; k < n; k++) acc = Math.fround(acc + (inputs[(c + k) % n]?.[i] as number));
      out[i] = op === 'mean' ? Math.fround(acc / n) : acc;
    }
  }
  return out;
}

/** [start, end) of chunk c of a Partition(length, n). */
function chunk(length: number, n: number, c: number): [number, number] {
  const [base, extra] = [Math.floor(length / n), length % n];
  return [c * base + Math.min(c, extra), (c + 1) * base + Math.min(c + 1, extra)];
}

/**
 * What the hierarchical all-reduce computes, bit for bit, for `hosts` (group ranks per host, L each): the
 * tensor is cut into pieces of about `piece` elements (a Partition); chunk c of a Partition(piece
 * length, L) is summed on each host from local rank c's elements, then the other local ranks' in order;
 * that part is then summed across hosts as the ring does (its chunk h starting at host h).
 */
function hierarchicalSum(inputs: Float32Array[], op: 'sum' | 'mean', hosts: number[][], piece: number): Float32Array {
  const length = inputs[0]?.length ?? 0;
  const out = new Float32Array(length);
  const pieces = Math.max(1, Math.ceil(length / piece));
  for (let k = 0; k < pieces; k++) {
    const [a, b] = chunk(length, pieces, k);
    out.set(
      hierarchicalPiece(
        inputs.map((x) => x.subarray(a, b)),
        op,
        hosts,
      ),
      a,
    );
  }
  return out;
}

function hierarchicalPiece(inputs: Float32Array[], op: 'sum' | 'mean', hosts: number[][]): Float32Array {
  const length = inputs[0]?.length ?? 0;
  const L = (hosts[0] as number[]).length;
  const H = hosts.length;
  const out = new Float32Array(length);
  for (let c = 0; c < L; c++) {
    const [start, end] = chunk(length, L, c);
    const hostSum = (h: number, i: number): number => {
      const ranks = hosts[h] as number[];
      let acc = inputs[ranks[c] as number]?.[i] as number;
      for (let q = 0; q < L; q++) if (q !== c) acc = Math.fround(acc + (inputs[ranks[q] as number]?.[i] as number));
      return acc;
    };
    for (let k = 0; k < H; k++) {
      const [a, b] = chunk(end - start, H, k);
      for (let i = start + a; i < start + b; i++) {
        let acc = hostSum(k, i);
        for (let j = 1; j < H; j++) acc = Math.fround(acc + hostSum((k + j) % H, i));
        out[i] = op === 'mean' ? Math.fround(acc / (H * L)) : acc;
      }
    }
  }
  return out;
}

type Order = (inputs: Float32Array[], op: 'sum' | 'mean') => Float32Array;

/**
 * Checks one all-reduce case across ranks: bit-identical everywhere, within the summation error bound of
 * the exact result, and (unless fp16) bit-identical to what `order` computes when given.
 */
function checkAllReduce(cases: Case[], n: number, order: Order | undefined): void {
  const inputs = cases.map((c) => decodeFloats(c.input as string));
  const outputs = cases.map((c) => decodeFloats(c.output as string));
  const first = cases[0] as Case;
  for (const o of outputs) expect(sameBits(o, outputs[0] as Float32Array), `${first.op} of ${first.length} bit-identical`).toBe(true);
  const fp16 = first.compression === 'fp16';
  let excess = 0;
  for (let i = 0; i < (first.length ?? 0); i++) {
    const sum = inputs.reduce((s, x) => s + (x[i] as number), 0);
    const abs = inputs.reduce((s, x) => s + Math.abs(x[i] as number), 0);
    const exact = first.op === 'mean' ? sum / n : sum;
    const scale = first.op === 'mean' ? abs / n : abs;
    const bound = fp16 ? n * 2 ** -11 * scale + n * 2 ** -25 : (n + 1) * 2 ** -24 * scale;
    excess = Math.max(excess, Math.abs((outputs[0]?.[i] as number) - exact) - bound);
  }
  expect(excess, `${first.op}${fp16 ? ' fp16' : ''} of ${first.length} within bound`).toBe(0);
  if (order !== undefined && !fp16)
    expect(sameBits(outputs[0] as Float32Array, order(inputs, first.op ?? 'sum')), `${first.op} of ${first.length} in order`).toBe(true);
}

describe.each(VARIANTS)('collectives across processes over $name', ({ protocol, sharedMemory, ring }) => {
  for (const n of [1, 2, 3, 4, 5]) {
    it(`${n} rank${n > 1 ? 's' : ''}: sum, mean, fp16, broadcast, all-gather and barrier give the right, bit-identical results`, async () => {
      const { endpoints, cleanup } = await endpointsFor(protocol, n);
      cleanups.push(cleanup);
      const keys = n === 3 || (protocol === 'tcp-hosts' && n === 4) ? createCurveKeys(n) : undefined; // one size per variant (and the hierarchy) runs with CURVE on
      const ranks = spawnRanks(
        Array.from({ length: n }, (_, rank) => ({
          rank,
          worldSize: n,
          endpoints,
          timeoutMs: 20_000,
          scenario: 'battery' as const,
          segmentBytes: 4096,
          curve: keys && curveOptionsFor(keys, rank),
          sharedMemory,
          ring,
        })),
      );
      const exits = await Promise.all(ranks.map((r) => r.exited));
      expect(exits.map((e) => [e.code, e.stderr])).toEqual(exits.map(() => [0, '']));
      const ready = (key: string): unknown[] => ranks.map((r) => r.lines.find((l) => l.event === 'ready')?.[key]);
      expect(ready('sharedMemory')).toEqual(ranks.map(() => sharedMemory === 'auto' && n > 1 && protocol !== 'tcp-hosts'));
      if (ring !== 'auto') expect(ready('ring')).toEqual(ranks.map(() => (n > 1 ? ring : 'js')));
      // over two "hosts", only 4 ranks (2 + 2) allow the hierarchy; 2 (1 + 1) and 3, 5 (unequal) keep the flat ring
      const hierarchical = protocol === 'tcp-hosts' && n === 4;
      expect(ready('algorithm')).toEqual(ranks.map(() => (hierarchical ? 'hierarchical' : 'ring')));
      const hosts = [0, 1].map((h) => twoHosts(n).flatMap((host, r) => (host === h ? [r] : [])));
      const order: Order | undefined = hierarchical
        ? (x, op) => hierarchicalSum(x, op, hosts, (8 * 4096) / 4) // pieces of 8 segments of 4096 bytes
        : sharedMemory === 'off' || protocol === 'tcp-hosts'
          ? (x, op) => ringSum(x, op, n)
          : undefined;
      const results = ranks.map((r) => (r.lines.find((l) => l.event === 'done') as RankLine & { result: Case[] }).result);
      const byCase = (results[0] as Case[]).map((_, i) => results.map((cases) => cases[i] as Case));
      for (const cases of byCase) {
        const c = cases[0] as Case;
        if (c.kind === 'allReduce') checkAllReduce(cases, n, order);
        if (c.kind === 'broadcast')
          for (const x of cases) expect([...decodeFloats(x.output as string)]).toEqual(Array.from({ length: 1000 }, (_, i) => i * 0.5 + (c.root as number)));
        if (c.kind === 'allGather') {
          const expected = Array.from({ length: n }, (_, r) => Array.from({ length: r + 1 }, (_, i) => r * 10 + i));
          for (const x of cases) expect((x.output as string[]).map((b) => [...decodeFloats(b)])).toEqual(expected);
        }
      }
      expect(byCase.map((cases) => cases[0]?.kind)).toContain('barrier');
    });
  }
});
