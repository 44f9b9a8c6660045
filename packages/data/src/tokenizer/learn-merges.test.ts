import { describe, expect, it } from 'vitest';
import { SPECIAL_TOKENS } from '../special-ids.js';
import { learnMerges } from './learn-merges.js';

const tokens = (vocab: readonly string[], merges: readonly [number, number][]) => merges.map(([a, b]) => `${vocab[a]}+${vocab[b]}`);

describe('learnMerges', () => {
  // Sennrich et al.'s example: low x5, lower x2, newest x6, widest x3.
  const words = new Map([
    ['low', 5],
    ['lower', 2],
    ['newest', 6],
    ['widest', 3],
  ]);

  it('merges the most frequent pair first, breaking ties by id', () => {
    const { vocab, merges } = learnMerges(words, { vocabSize: 100 });
    expect(vocab.slice(0, 4)).toEqual(SPECIAL_TOKENS);
    expect(vocab.slice(4, 14)).toEqual(['d', 'e', 'i', 'l', 'n', 'o', 'r', 's', 't', 'w']);
    // (e,s) and (s,t) both occur 9 times; e < s, so e+s comes first, then es+t.
    expect(tokens(vocab, merges).slice(0, 4)).toEqual(['e+s', 'es+t', 'l+o', 'lo+w']);
  });

  it('stops when no pair occurs minPairCount times', () => {
    const { vocab, merges } = learnMerges(words, { vocabSize: 100, minPairCount: 5 });
    expect(merges.every(([a, b]) => vocab[a] !== undefined && vocab[b] !== undefined)).toBe(true);
    // Then n+e, e+w and w+est all occur 6 times: e+w has the lowest left id.
    expect(tokens(vocab, merges)).toEqual(['e+s', 'es+t', 'l+o', 'lo+w', 'e+w', 'n+ew', 'new+est']);
  });

  it('never exceeds the vocabulary size, and keeps the most frequent characters when the alphabet does not fit', () => {
    const small = learnMerges(words, { vocabSize: 12 });
    expect(small.vocab).toHaveLength(12);
    expect(small.merges).toHaveLength(0);
    // Counts: e 17, w 16, s 9, t 9, l 7, o 7, n 6, i 3, d 3, r 2; 8 places: e w s t l o n, then d (code point < i).
    expect(small.vocab.slice(4)).toEqual(['d', 'e', 'l', 'n', 'o', 's', 't', 'w']);
    const withMerges = learnMerges(words, { vocabSize: 17 });
    expect(withMerges.vocab).toHaveLength(17);
  });

  it('does not merge across a character left out of the alphabet', () => {
    const { vocab } = learnMerges(new Map([['axb', 10]]), { vocabSize: 6 });
    // Room for 6 - 4 = 2 characters; a, b and x tie, so the lowest code points win.
    expect(vocab.slice(4)).toEqual(['a', 'b']);
    expect(vocab).not.toContain('ab');
  });

  it('merges overlapping pairs left to right and gives each token text one id', () => {
    const { vocab, merges } = learnMerges(
      new Map([
        ['aaa', 4],
        ['aaaa', 3],
      ]),
      { vocabSize: 100 },
    );
    expect(tokens(vocab, merges)).toEqual(['a+a', 'aa+a', 'aa+aa']);
    expect(new Set(vocab).size).toBe(vocab.length);
  });

  it('depends only on the multiset of words, not their order', () => {
    const reversed = new Map([...words].reverse());
    expect(learnMerges(reversed, { vocabSize: 30 })).toEqual(learnMerges(words, { vocabSize: 30 }));
  });
});
