/** BLEU's n-gram order (sacreBLEU's default `max_ngram_order`). */
export const MAX_NGRAM_ORDER = 4;

/** One value per n-gram order 1..4. */
export type NgramQuad = [number, number, number, number];

/** Counts of every 1- to 4-gram of a token list, keyed by the n-gram's tokens joined with a space. */
export type NgramCounts = Map<string, number>;

/**
 * Counts all n-grams of order 1..{@link MAX_NGRAM_ORDER} in `tokens`. Tokens come from a
 * whitespace split, so they contain no spaces and the space-joined key is unambiguous.
 */
export function countNgrams(tokens: readonly string[]): NgramCounts {
  const counts: NgramCounts = new Map();
  for (let n = 1; n <= MAX_NGRAM_ORDER; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = tokens.slice(i, i + n).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** What a sentence's references contribute: per n-gram the maximum count over references, and each reference's length. */
export interface ReferenceInfo {
  readonly maxCounts: NgramCounts;
  readonly lengths: readonly number[];
}

/** Merges the tokenised references of one sentence (sacreBLEU's `_extract_reference_info`). */
export function referenceInfo(references: readonly (readonly string[])[]): ReferenceInfo {
  const maxCounts: NgramCounts = new Map();
  for (const tokens of references) {
    for (const [ngram, count] of countNgrams(tokens)) {
      if (count > (maxCounts.get(ngram) ?? 0)) maxCounts.set(ngram, count);
    }
  }
  return { maxCounts, lengths: references.map((tokens) => tokens.length) };
}

/**
 * The reference length BLEU charges a hypothesis of `hypLength` tokens with: the reference
 * length closest to it, the shorter one on a tie (sacreBLEU's `_get_closest_ref_len`).
 */
export function closestReferenceLength(hypLength: number, referenceLengths: readonly number[]): number {
  let closestDiff = -1;
  let closest = -1;
  for (const length of referenceLengths) {
    const diff = Math.abs(hypLength - length);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closest = length;
    } else if (diff === closestDiff && length < closest) {
      closest = length;
    }
  }
  return closest;
}

/** One sentence's sufficient statistics for BLEU. */
export interface SegmentStats {
  readonly hypLength: number;
  readonly refLength: number;
  /** Clipped matches per order: min(hypothesis count, max reference count) summed over n-grams. */
  readonly counts: NgramQuad;
  /** Hypothesis n-grams per order. */
  readonly totals: NgramQuad;
}

/** Matches a tokenised hypothesis against its merged references (sacreBLEU's `_compute_segment_statistics`). */
export function segmentStats(hypothesis: readonly string[], references: ReferenceInfo): SegmentStats {
  const counts: NgramQuad = [0, 0, 0, 0];
  const totals: NgramQuad = [0, 0, 0, 0];
  for (const [ngram, count] of countNgrams(hypothesis)) {
    const order = orderIndex(ngram);
    totals[order] += count;
    counts[order] += Math.min(count, references.maxCounts.get(ngram) ?? 0);
  }
  return {
    hypLength: hypothesis.length,
    refLength: closestReferenceLength(hypothesis.length, references.lengths),
    counts,
    totals,
  };
}

/** Index 0..3 of an n-gram key's order: its number of spaces (keys come from {@link countNgrams}). */
function orderIndex(key: string): 0 | 1 | 2 | 3 {
  let spaces = 0;
  for (let i = key.indexOf(' '); i !== -1; i = key.indexOf(' ', i + 1)) spaces++;
  return spaces as 0 | 1 | 2 | 3;
}
