import { describe, expect, it } from 'vitest';
import { PairCorpusBuilder } from '../corpus/pair-corpus.js';
import { SPECIAL_IDS } from '../special-ids.js';
import { materializePairs, materializeWindows } from './materialize.js';

const { pad: P, bos: B, eos: E } = SPECIAL_IDS;

describe('materializePairs', () => {
  it('pads within the batch; tgtIn starts with bos, tgtOut is tgtIn shifted and ends with eos', () => {
    const b = new PairCorpusBuilder(64, 'drop');
    b.add([10, 11, 12], [20], 1);
    b.add([13], [21, 22, 23, 24], 2);
    const { corpus } = b.build();
    const batch = materializePairs(corpus, Int32Array.from([1, 0]));
    expect(batch).toMatchObject({ size: 2, srcLen: 4, tgtLen: 5, srcTokens: 2 + 4, tgtTokens: 5 + 2 });
    // [B, S] and [B, T] row-major.
    expect([...batch.src]).toEqual([13, E, P, P, 10, 11, 12, E]);
    expect([...batch.tgtIn]).toEqual([B, 21, 22, 23, 24, B, 20, P, P, P]);
    expect([...batch.tgtOut]).toEqual([21, 22, 23, 24, E, 20, E, P, P, P]);
    expect([...batch.indices]).toEqual([1, 0]);
    expect(batch.src.filter((x) => x !== P)).toHaveLength(batch.srcTokens);
    expect(batch.tgtOut.filter((x) => x !== P)).toHaveLength(batch.tgtTokens);
  });
});

describe('materializeWindows', () => {
  it('cuts input windows and targets shifted by one', () => {
    const stream = Int32Array.from({ length: 20 }, (_, i) => 100 + i);
    const batch = materializeWindows(stream, Int32Array.from([8, 0]), 4);
    expect(batch).toMatchObject({ size: 2, len: 4, tokens: 8 });
    expect([...batch.input]).toEqual([108, 109, 110, 111, 100, 101, 102, 103]);
    expect([...batch.target]).toEqual([109, 110, 111, 112, 101, 102, 103, 104]);
  });
});
