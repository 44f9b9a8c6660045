import { describe, expect, it } from 'vitest';
import type { Seq2SeqBatch } from '../batching/batch-types.js';
import { pairPlanner } from '../batching/pair-planner.js';
import { windowPlanner } from '../batching/window-planner.js';
import { PairCorpusBuilder, type PairCorpus } from '../corpus/pair-corpus.js';
import { DataConfigError, IteratorStateError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { BatchIterator } from './batch-iterator.js';

/** `n` pairs with skewed random lengths and random ids. */
function corpus(n: number, seed = 11): PairCorpus {
  const rng = new Rng(seed);
  const b = new PairCorpusBuilder(48, 'drop');
  const sentence = () => Array.from({ length: 1 + rng.below(8) + rng.below(8) + (rng.below(8) === 0 ? rng.below(30) : 0) }, () => 4 + rng.below(500));
  for (let i = 0; i < n; i++) b.add(sentence(), sentence(), i + 1);
  return b.build().corpus;
}

const CORPUS = corpus(3000);
const BUDGET = 512;
const iterator = (rank: number, worldSize: number, seed = 1) => new BatchIterator(pairPlanner(CORPUS, BUDGET), { seed, rank, worldSize });
const fingerprintOf = (b: Seq2SeqBatch) => `${b.size}x${b.srcLen}x${b.tgtLen}:${[...b.indices].join(',')}`;

describe('sharding', () => {
  it.each([1, 2, 3, 4, 5])('gives %i ranks disjoint shards of equal count that cover every epoch', (worldSize) => {
    const ranks = Array.from({ length: worldSize }, (_, r) => iterator(r, worldSize));
    for (let epoch = 0; epoch < 3; epoch++) {
      const counts = ranks.map((it) => it.batchesPerEpoch(epoch));
      expect(new Set(counts).size).toBe(1);
      const seen = new Int32Array(CORPUS.size);
      for (const it of ranks) {
        for (let k = 0; k < (counts[0] as number); k++) {
          const batch = it.next();
          expect(batch.size * Math.max(batch.srcLen, batch.tgtLen)).toBeLessThanOrEqual(BUDGET);
          for (const i of batch.indices) seen[i] = (seen[i] as number) + 1;
        }
        expect(it.epoch).toBe(epoch);
      }
      // Every pair exactly once across the ranks: disjoint and covering.
      expect(seen.every((c) => c === 1)).toBe(true);
    }
  });

  it('reshuffles every epoch, identically on every run', () => {
    const a = iterator(0, 1);
    const first = Array.from({ length: a.batchesPerEpoch(0) }, () => fingerprintOf(a.next()));
    const second = Array.from({ length: a.batchesPerEpoch(1) }, () => fingerprintOf(a.next()));
    expect(second).not.toEqual(first);
    const b = iterator(0, 1);
    expect(Array.from({ length: first.length }, () => fingerprintOf(b.next()))).toEqual(first);
    const otherSeed = iterator(0, 1, 2);
    expect(fingerprintOf(otherSeed.next())).not.toBe(first[0]);
  });
});

describe('resume', () => {
  it.each([
    [0, 25],
    [7, 40],
    [30, 90], // crosses an epoch boundary
  ])('after %i batches, a restored iterator yields the same next %i batches', (k, m) => {
    for (const [rank, worldSize] of [
      [0, 1],
      [2, 3],
    ] as const) {
      const straight = iterator(rank, worldSize);
      for (let i = 0; i < k; i++) straight.next();
      const saved = JSON.stringify(straight.state());
      const expected = Array.from({ length: m }, () => fingerprintOf(straight.next()));
      if (k === 30) expect(straight.epoch).toBeGreaterThan((JSON.parse(saved) as { epoch: number }).epoch);
      const resumed = iterator(rank, worldSize);
      resumed.restore(JSON.parse(saved));
      expect(Array.from({ length: m }, () => fingerprintOf(resumed.next()))).toEqual(expected);
    }
  });

  it('one state serves every rank, since ranks advance in lockstep', () => {
    const r0 = iterator(0, 2);
    for (let i = 0; i < 5; i++) r0.next();
    const r1 = iterator(1, 2);
    const r1Straight = iterator(1, 2);
    for (let i = 0; i < 5; i++) r1Straight.next();
    r1.restore(r0.state());
    expect(fingerprintOf(r1.next())).toBe(fingerprintOf(r1Straight.next()));
  });

  it('rejects a state from another seed, world size, corpus or budget, or a bad shape', () => {
    const it0 = iterator(0, 2);
    it0.next();
    const state = it0.state();
    expect(() => iterator(0, 2, 9).restore(state)).toThrow(/seed/);
    expect(() => iterator(0, 3).restore(state)).toThrow(/2 ranks/);
    expect(() => new BatchIterator(pairPlanner(corpus(3000, 12), BUDGET), { seed: 1, rank: 0, worldSize: 2 }).restore(state)).toThrow(IteratorStateError);
    expect(() => new BatchIterator(pairPlanner(CORPUS, 1024), { seed: 1, rank: 0, worldSize: 2 }).restore(state)).toThrow(/fingerprint/);
    expect(() => iterator(0, 2).restore({ ...state, position: 10_000 })).toThrow(/past/);
    expect(() => iterator(0, 2).restore({ ...state, epoch: -1 })).toThrow(/state.epoch/);
    expect(() => iterator(0, 2).restore('{}')).toThrow(IteratorStateError);
  });
});

describe('resume at another world size (elastic)', () => {
  it.each([
    [2, 1],
    [3, 2],
    [2, 4],
  ])('continues a %i-rank state with %i ranks at the same share of the epoch, then exactly', (from, to) => {
    const old = iterator(0, from);
    const done = Math.floor(old.batchesPerEpoch(0) * 0.4);
    for (let i = 0; i < done; i++) old.next();
    const state = old.state();
    const ranks = Array.from({ length: to }, (_, r) => iterator(r, to));
    for (const it of ranks) it.restore(state, { resize: true });
    const perRank = ranks[0]!.batchesPerEpoch(0);
    expect(ranks.map((it) => [it.epoch, it.position])).toEqual(ranks.map(() => [0, Math.round((done / old.batchesPerEpoch(0)) * perRank)]));
    // The next epoch is the one an uninterrupted `to`-rank run has: all ranks together cover it once.
    const reference = Array.from({ length: to }, (_, r) => iterator(r, to));
    for (const [r, it] of ranks.entries()) {
      while (it.position < perRank) it.next(); // the rest of epoch 0
      const ref = reference[r]!;
      for (let i = 0; i < ref.batchesPerEpoch(0); i++) ref.next();
      expect(Array.from({ length: 5 }, () => fingerprintOf(it.next()))).toEqual(Array.from({ length: 5 }, () => fingerprintOf(ref.next())));
    }
  });

  it('still checks the position against the epoch of the old world size', () => {
    const state = iterator(0, 2).state();
    expect(() => iterator(0, 1).restore({ ...state, position: 10_000 }, { resize: true })).toThrow(/past the \d+ batches of epoch 0 for 2 ranks/);
    expect(() => iterator(0, 1).restore(state)).toThrow(/2 ranks/); // only on request
  });
});

describe('BatchIterator', () => {
  it('rejects a rank outside the world', () => {
    expect(() => iterator(2, 2)).toThrow(DataConfigError);
    expect(() => iterator(0, 0)).toThrow(/worldSize/);
  });

  it('fails clearly when the corpus has fewer batches than ranks', () => {
    const tiny = new BatchIterator(pairPlanner(corpus(2), BUDGET), { seed: 1, rank: 0, worldSize: 3 });
    expect(() => tiny.next()).toThrow(/fewer batches than the 3 ranks/);
  });

  it('batches a token stream into windows for a language model, resumably', () => {
    const stream = Int32Array.from({ length: 5000 }, (_, i) => i % 97);
    const make = (rank: number) => new BatchIterator(windowPlanner(stream, 32, 4), { seed: 3, rank, worldSize: 2 });
    const [a, b] = [make(0), make(1)];
    expect(a.batchesPerEpoch()).toBe(b.batchesPerEpoch());
    const x = a.next();
    const y = b.next();
    expect(x.input).toHaveLength(4 * 32);
    for (let i = 0; i < 4 * 32; i++) if (i % 32 !== 31) expect(x.target[i]).toBe(x.input[i + 1]);
    expect([...x.starts].some((s) => y.starts.includes(s))).toBe(false);
    for (let i = 0; i < 30; i++) a.next();
    const resumed = make(0);
    resumed.restore(a.state());
    expect([...resumed.next().starts]).toEqual([...a.next().starts]);
  });
});
