import { describe, expect, it } from 'vitest';
import { DataConfigError } from '../errors.js';
import { PairCorpusBuilder, pairLengths } from './pair-corpus.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => 10 + i);

describe('PairCorpusBuilder', () => {
  it('drops pairs with a side longer than max_len (eos or bos counted) and reports how many', () => {
    const b = new PairCorpusBuilder(5, 'drop');
    expect(b.add(ids(4), ids(4), 1)).toBe(true); // 4 + 1 = 5 fits
    expect(b.add(ids(5), ids(2), 2)).toBe(false); // source 5 + eos = 6
    expect(b.add(ids(1), ids(5), 3)).toBe(false); // target 5 + bos = 6
    expect(b.add(ids(2), ids(3), 4)).toBe(true);
    const { corpus, overlong } = b.build();
    expect(overlong).toEqual({ maxLen: 5, policy: 'drop', dropped: 2, truncated: 0 });
    expect(corpus.size).toBe(2);
    expect([...corpus.lines]).toEqual([1, 4]);
    expect([...corpus.srcOffsets]).toEqual([0, 4, 6]);
    expect([...corpus.tgtIds]).toEqual([...ids(4), ...ids(3)]);
    expect([...pairLengths(corpus)]).toEqual([5, 4]);
  });

  it('truncates both sides to max_len - 1 ids under the truncate policy', () => {
    const b = new PairCorpusBuilder(4, 'truncate');
    b.add(ids(6), ids(2), 7);
    b.add(ids(1), ids(1), 8);
    const { corpus, overlong } = b.build();
    expect(overlong).toMatchObject({ dropped: 0, truncated: 1 });
    expect([...corpus.srcIds.subarray(0, 3)]).toEqual(ids(3));
    expect([...pairLengths(corpus)]).toEqual([4, 2]);
  });

  it('needs room for one token and eos', () => {
    expect(() => new PairCorpusBuilder(1, 'truncate')).toThrow(DataConfigError);
  });
});
