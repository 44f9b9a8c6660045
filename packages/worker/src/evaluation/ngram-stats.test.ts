import { describe, expect, it } from 'vitest';
import { closestReferenceLength, countNgrams, referenceInfo, segmentStats } from './ngram-stats.js';

describe('countNgrams', () => {
  it('counts every 1- to 4-gram', () => {
    const counts = countNgrams(['a', 'b', 'a', 'b', 'a']);
    expect(counts.get('a')).toBe(3);
    expect(counts.get('a b')).toBe(2);
    expect(counts.get('a b a')).toBe(2);
    expect(counts.get('a b a b')).toBe(1);
    expect(counts.get('b a b a')).toBe(1);
    expect(counts.size).toBe(2 + 2 + 2 + 2);
  });
});

describe('closestReferenceLength', () => {
  it('takes the closest length, the shorter on a tie, in any order', () => {
    expect(closestReferenceLength(5, [4, 6])).toBe(4);
    expect(closestReferenceLength(5, [6, 4])).toBe(4);
    expect(closestReferenceLength(5, [9, 6, 3])).toBe(6);
    expect(closestReferenceLength(0, [7])).toBe(7);
  });
});

describe('segmentStats', () => {
  // Published: mjpost/sacrebleu test/test_bleu.py, test_case_statistics
  // ("am I am a character sequence" vs "I am a symbol string sequence a a": [4, 2, 1, 0] / [6, 5, 4, 3]).
  it('clips matches by the reference counts', () => {
    const hyp = 'am I am a character sequence'.split(' ');
    const ref = 'I am a symbol string sequence a a'.split(' ');
    expect(segmentStats(hyp, referenceInfo([ref]))).toEqual({
      hypLength: 6,
      refLength: 8,
      counts: [4, 2, 1, 0],
      totals: [6, 5, 4, 3],
    });
  });

  it('clips by the maximum count over references, not their sum', () => {
    const hyp = ['the', 'the', 'the', 'the'];
    const refs = [
      ['the', 'cat', 'the'],
      ['the', 'dog'],
    ];
    const stats = segmentStats(hyp, referenceInfo(refs));
    expect(stats.counts).toEqual([2, 0, 0, 0]);
    expect(stats.totals).toEqual([4, 3, 2, 1]);
    expect(stats.refLength).toBe(3);
  });
});
