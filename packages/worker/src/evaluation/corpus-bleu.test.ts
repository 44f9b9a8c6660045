import { describe, expect, it } from 'vitest';
import { BleuInputError } from './bleu-errors.js';
import { corpusBleu } from './corpus-bleu.js';
import { formatBleu } from './format-bleu.js';

// sacreBLEU's README example: mjpost/sacrebleu README.md, "Using SacreBLEU from Python".
const README_REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const README_SYS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];

describe('corpusBleu: published sacreBLEU values', () => {
  it('reproduces the README example (two reference streams)', () => {
    const result = corpusBleu(README_SYS, README_REFS);
    // README.md: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)
    expect(formatBleu(result)).toBe('BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)');
    // test/test_bleu.py, test_corpus_bleu_cases: 48.530827 with the defaults.
    expect(result.score).toBeCloseTo(48.530827, 6);
    // README.md: nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.0.0 (version names this implementation here).
    expect(result.signature).toBe('nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:orquesta');
  });

  it('reproduces the README variable-reference example (empty string = no reference)', () => {
    // README.md, "Variable Number of References". Its listing blanks the first sentence in both
    // streams, which sacreBLEU 2.x rejects ("Empty or `None` reference sentence found."); the
    // printed output (ref_len 19 = 7 + 5 + 7) is that of blanking it in the first stream only.
    const refs = [['', README_REFS[0]![1]!, README_REFS[0]![2]!], README_REFS[1]!];
    const result = corpusBleu(README_SYS, refs);
    expect(formatBleu(result)).toBe('BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)');
    expect(result.signature).toBe('nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:orquesta');
  });

  it('reproduces the Hugging Face evaluate sacrebleu metric card output (closest reference length)', () => {
    // huggingface/evaluate metrics/sacrebleu/README.md: references are given per prediction there
    // ([["hello there general kenobi", "hello there !"], ["goodbye ankh morpork", "ankh morpork"]]);
    // as sacreBLEU streams they read:
    const refs = [
      ['hello there general kenobi', 'goodbye ankh morpork'],
      ['hello there !', 'ankh morpork'],
    ];
    const result = corpusBleu(['hello there general kenobi', 'on our way to ankh morpork'], refs);
    expect(result.score).toBeCloseTo(39.76353643835252, 12);
    expect(result.counts).toEqual([6, 4, 2, 1]);
    expect(result.totals).toEqual([10, 8, 6, 4]);
    expect(result.precisions).toEqual([60.0, 50.0, 33.333333333333336, 25.0]);
    expect(result.bp).toBe(1);
    expect(result.sysLen).toBe(10);
    expect(result.refLen).toBe(7);
  });

  it('reproduces exp smoothing on two zero-count orders (IBM/unitxt per-instance target)', () => {
    // IBM/unitxt prepare/metrics/sacrebleu.py, second instance target: counts [2, 1, 0, 0],
    // totals [6, 5, 4, 3], precisions [33.33, 20.0, 12.5, 8.33], sys_len 6, ref_len 3, score 16.23.
    const result = corpusBleu(['on our way to ankh morpork'], [['goodbye ankh morpork'], ['ankh morpork']]);
    expect(result.counts).toEqual([2, 1, 0, 0]);
    expect(result.totals).toEqual([6, 5, 4, 3]);
    expect(result.precisions.map((p) => Math.round(p * 100) / 100)).toEqual([33.33, 20.0, 12.5, 8.33]);
    expect(result.refLen).toBe(3);
    expect(formatBleu(result)).toBe('BLEU = 16.23 33.3/20.0/12.5/8.3 (BP = 1.000 ratio = 2.000 hyp_len = 6 ref_len = 3)');
  });

  it('reproduces the sentence example of sacreBLEU issue #98 (exp smoothing, 13a)', () => {
    // mjpost/sacrebleu test/test_sentence_bleu.py: ('exp', None, False, '13a', 8.493). That test sets
    // effective_order=True, which changes nothing here: the hypothesis has n-grams of every order.
    const ref = 'produc\u0163ia de zah\u0103r brut se exprim\u0103 \u00een zah\u0103r alb;';
    const sys = 'Produc\u021bia de zah\u0103r prim\u0103 va fi exprimat\u0103 \u00een ceea ce prive\u0219te zah\u0103rul alb;';
    const result = corpusBleu([sys], [[ref]]);
    expect(Math.abs(result.score - 8.493)).toBeLessThan(1e-3);
    expect(result.signature).toBe('nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:orquesta');
  });

  it('scores 100 for a perfect match', () => {
    // mjpost/sacrebleu test/test_bleu.py, test_raw_bleu_cases: "this is a test" vs itself -> 1.0;
    // huggingface/evaluate metrics/sacrebleu/README.md: the "foo bar foobar" example -> 100.0.
    expect(formatBleu(corpusBleu(['this is a test'], [['this is a test']]))).toBe(
      'BLEU = 100.00 100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 4 ref_len = 4)',
    );
    const refs = [
      ['hello there general kenobi', 'foo bar foobar'],
      ['hello there !', 'foo bar foobar'],
    ];
    expect(corpusBleu(['hello there general kenobi', 'foo bar foobar'], refs).score).toBeCloseTo(100, 10);
  });

  it('scores exactly 0 when no unigram matches, whatever the smoothing (sacreBLEU #141)', () => {
    // mjpost/sacrebleu test/test_bleu.py, test_raw_bleu_cases: ["this is a test", "another test"]
    // vs ["ref1", "ref2"] -> 0.0; test/test_sentence_bleu.py, test_cases_zero_bleu: 'exp' -> 0.0.
    const noOverlap = corpusBleu(['this is a test', 'another test'], [['ref1', 'ref2']]);
    expect(noOverlap.score).toBe(0);
    expect(formatBleu(noOverlap)).toBe('BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 1.000 ratio = 3.000 hyp_len = 6 ref_len = 2)');
    expect(corpusBleu(['this is a cat'], [['okay thanks']]).score).toBe(0);
  });

  it('keeps empty hypotheses (they count against the brevity penalty)', () => {
    // mjpost/sacrebleu test/test_bleu.py, test_corpus_bleu_cases: ('', '', '') -> 0.0.
    const result = corpusBleu(['', '', ''], README_REFS);
    expect(result.score).toBe(0);
    expect(result.sysLen).toBe(0);
    expect(result.refLen).toBe(6 + 5 + 6);
  });
});

describe('corpusBleu: semantics', () => {
  it('charges the shorter of two equally close references', () => {
    // Hypothesis of 5 tokens, references of 4 and 6: ref_len 4, so no brevity penalty.
    const result = corpusBleu(['a b c d e'], [['a b c d e f'], ['a b c d']]);
    expect(result.refLen).toBe(4);
    expect(result.bp).toBe(1);
    expect(result.score).toBeCloseTo(100, 10);
  });

  it('is case-sensitive', () => {
    const result = corpusBleu(['The cat sat.'], [['the cat sat.']]);
    // "The" does not match "the"; the unmatched 4-gram is smoothed to 100 / (2 * 1) = 50.
    expect(result.counts).toEqual([3, 2, 1, 0]);
    expect(result.totals).toEqual([4, 3, 2, 1]);
    expect(formatBleu(result)).toBe('BLEU = 59.46 75.0/66.7/50.0/50.0 (BP = 1.000 ratio = 1.000 hyp_len = 4 ref_len = 4)');
  });

  it('strips trailing whitespace before tokenising, so a final "-\\n" is not a line join', () => {
    const result = corpusBleu(['foo bar-\n'], [['foo bar-']]);
    expect(result.counts).toEqual([2, 1, 0, 0]);
    expect(result.totals).toEqual([2, 1, 0, 0]);
    // No 3- or 4-grams: without effective order, BLEU is 0 even for an exact match.
    expect(result.score).toBe(0);
  });
});

describe('corpusBleu: input errors', () => {
  it('throws BleuInputError when a reference stream has a different length', () => {
    const call = () => corpusBleu(['a', 'b'], [['a', 'b'], ['a']]);
    expect(call).toThrow(BleuInputError);
    expect(call).toThrow('reference stream 1 has 1 lines but there are 2 hypotheses');
    try {
      call();
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      expect((error as BleuInputError).name).toBe('BleuInputError');
      expect((error as BleuInputError).problem).toBe('stream-length');
    }
  });

  it('throws BleuInputError for no hypotheses, no streams, or a sentence without any reference', () => {
    expect(() => corpusBleu([], [[]])).toThrow(expect.objectContaining({ problem: 'no-hypotheses' }));
    expect(() => corpusBleu(['a'], [])).toThrow(expect.objectContaining({ problem: 'no-references' }));
    expect(() =>
      corpusBleu(
        ['a', 'b'],
        [
          ['', 'b'],
          ['', 'b'],
        ],
      ),
    ).toThrow(expect.objectContaining({ problem: 'empty-reference' }));
  });
});
