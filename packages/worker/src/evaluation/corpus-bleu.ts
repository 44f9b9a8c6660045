import { BleuInputError } from './bleu-errors.js';
import { computeBleu } from './bleu-score.js';
import { referenceInfo, segmentStats, type NgramQuad } from './ngram-stats.js';
import { pythonRstrip } from './python-whitespace.js';
import { tokenize13a } from './tokenize-13a.js';

/** Corpus BLEU with sacreBLEU's default settings, as {@link corpusBleu} returns it. */
export interface BleuResult {
  /** BLEU in 0..100. */
  readonly score: number;
  /** Clipped n-gram matches per order 1..4, summed over the corpus. */
  readonly counts: NgramQuad;
  /** Hypothesis n-grams per order 1..4, summed over the corpus. */
  readonly totals: NgramQuad;
  /** Smoothed modified precisions per order, in percent. */
  readonly precisions: NgramQuad;
  /** Brevity penalty. */
  readonly bp: number;
  /** Hypothesis tokens in the corpus. */
  readonly sysLen: number;
  /** Reference tokens in the corpus: per sentence, the length of the reference closest to the hypothesis. */
  readonly refLen: number;
  /**
   * sacreBLEU-style signature of the settings, e.g.
   * `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:orquesta`. `nrefs` is `var` when
   * sentences have different numbers of (non-empty) references. The version names this
   * implementation, not a sacreBLEU release.
   */
  readonly signature: string;
}

const ORDER_INDICES = [0, 1, 2, 3] as const;

function toTokens(line: string): string[] {
  const tokenized = tokenize13a(pythonRstrip(line));
  return tokenized === '' ? [] : tokenized.split(' ');
}

/**
 * Corpus-level BLEU exactly as sacreBLEU 2.x computes it with its defaults
 * (`BLEU().corpus_score(hypotheses, references)`): 13a tokenisation of each line (after removing
 * trailing whitespace), case-sensitive, n-grams up to order 4, `exp` smoothing, no effective
 * order. Matched n-gram counts and totals are summed over all sentences before precisions are
 * taken; the brevity penalty compares total hypothesis length with the sum of per-sentence
 * reference lengths.
 *
 * Multiple references: each hypothesis n-gram count is clipped by its maximum count in any one
 * reference of that sentence, and the sentence's reference length is the one closest to the
 * hypothesis length (the shorter on a tie). As in sacreBLEU, an empty-string reference is treated
 * as absent, which allows a variable number of references per sentence.
 *
 * @param hypotheses one system output line per sentence.
 * @param references reference *streams*: `references[k][i]` is the k-th reference of sentence `i`
 *   (sacreBLEU's layout, not one list per sentence).
 * @throws BleuInputError when there are no hypotheses or no reference streams, when a stream's
 *   length differs from the number of hypotheses (sacreBLEU would silently truncate to the
 *   shortest), or when every reference of a sentence is empty.
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly string[])[]): BleuResult {
  if (hypotheses.length === 0) throw new BleuInputError('no-hypotheses', 'corpusBleu: no hypotheses to score');
  if (references.length === 0) throw new BleuInputError('no-references', 'corpusBleu: no reference streams given');
  references.forEach((stream, k) => {
    if (stream.length !== hypotheses.length) {
      throw new BleuInputError('stream-length', `corpusBleu: reference stream ${k} has ${stream.length} lines but there are ${hypotheses.length} hypotheses`);
    }
  });

  const counts: NgramQuad = [0, 0, 0, 0];
  const totals: NgramQuad = [0, 0, 0, 0];
  let sysLen = 0;
  let refLen = 0;
  const refsPerSentence = new Set<number>();

  hypotheses.forEach((hypothesis, i) => {
    const present = references.map((stream) => stream[i] ?? '').filter((ref) => ref !== '');
    if (present.length === 0) {
      throw new BleuInputError('empty-reference', `corpusBleu: every reference of sentence ${i} is empty`);
    }
    refsPerSentence.add(present.length);
    const stats = segmentStats(toTokens(hypothesis), referenceInfo(present.map(toTokens)));
    sysLen += stats.hypLength;
    refLen += stats.refLength;
    for (const n of ORDER_INDICES) {
      counts[n] += stats.counts[n];
      totals[n] += stats.totals[n];
    }
  });

  const nrefs = refsPerSentence.size === 1 ? String(refsPerSentence.values().next().value) : 'var';
  return {
    ...computeBleu({ counts, totals, sysLen, refLen }),
    signature: `nrefs:${nrefs}|case:mixed|eff:no|tok:13a|smooth:exp|version:orquesta`,
  };
}
