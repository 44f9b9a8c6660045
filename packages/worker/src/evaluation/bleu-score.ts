import { MAX_NGRAM_ORDER, type NgramQuad } from './ngram-stats.js';

/** Corpus-level sufficient statistics: per-sentence statistics summed over the corpus. */
export interface BleuStats {
  /** Clipped n-gram matches per order 1..4. */
  readonly counts: Readonly<NgramQuad>;
  /** Hypothesis n-grams per order 1..4. */
  readonly totals: Readonly<NgramQuad>;
  /** Hypothesis tokens. */
  readonly sysLen: number;
  /** Reference tokens (the closest reference's length per sentence). */
  readonly refLen: number;
}

/** BLEU computed from {@link BleuStats}. */
export interface BleuScore {
  /** BLEU in 0..100. */
  readonly score: number;
  readonly counts: NgramQuad;
  readonly totals: NgramQuad;
  /** Modified n-gram precisions in percent, after smoothing. */
  readonly precisions: NgramQuad;
  /** Brevity penalty. */
  readonly bp: number;
  readonly sysLen: number;
  readonly refLen: number;
}

// sacreBLEU's `my_log`: log(0) floored to this value, so a zero precision drives BLEU to 0.
const LOG_ZERO = -9999999999;

function floorLog(x: number): number {
  return x === 0 ? LOG_ZERO : Math.log(x);
}

/**
 * BLEU from sufficient statistics as sacreBLEU's `BLEU.compute_bleu` computes it with its
 * defaults (`smooth_method='exp'`, `effective_order=False`, order 4):
 *
 * - brevity penalty `exp(1 - refLen / sysLen)` when `sysLen < refLen` (0 when `sysLen` is 0), else 1;
 * - no matched n-gram of any order: score 0 and all precisions 0 (sacreBLEU issue #141);
 * - otherwise, for each order until one with no hypothesis n-grams: precision `100 * count / total`,
 *   or, when `count` is 0, `100 / (2^k * total)` for the k-th such order (mteval's exponential
 *   decay smoothing); orders not reached keep precision 0;
 * - score `bp * exp(sum(log p_n) / 4)`, with log 0 taken as -9999999999.
 */
export function computeBleu(stats: BleuStats): BleuScore {
  const { sysLen, refLen } = stats;
  const counts: NgramQuad = [...stats.counts];
  const totals: NgramQuad = [...stats.totals];
  let bp = 1;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;

  const precisions: NgramQuad = [0, 0, 0, 0];
  if (counts.every((c) => c === 0)) {
    return { score: 0, counts, totals, precisions, bp, sysLen, refLen };
  }

  let smooth = 1;
  for (let n = 0; n < MAX_NGRAM_ORDER; n++) {
    const count = counts[n] ?? 0;
    const total = totals[n] ?? 0;
    if (total === 0) break;
    if (count === 0) {
      smooth *= 2;
      precisions[n] = 100 / (smooth * total);
    } else {
      precisions[n] = (100 * count) / total;
    }
  }

  let logSum = 0;
  for (const p of precisions) logSum += floorLog(p);
  const score = bp * Math.exp(logSum / MAX_NGRAM_ORDER);
  return { score, counts, totals, precisions, bp, sysLen, refLen };
}
