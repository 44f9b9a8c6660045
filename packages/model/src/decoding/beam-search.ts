/**
 * Beam search over B sources with K beams each (rows b*K .. b*K+K-1 belong to source b).
 *   1. Expand every source to K rows; only beam 0 starts alive (others score -inf).
 *   2. Each step, score every (beam, token) as beam score + log p, and walk the best 2K in
 *      order: an eos finishes a hypothesis (ranked by score / lp), any other token extends a
 *      beam, until K beams are alive again.
 *   3. A source is done when it has K finished hypotheses; at maxLen the alive beams finish.
 *   4. Return the finished hypothesis with the best length-normalised score.
 * GNMT length penalty (Wu et al. 2016): lp(Y) = ((5 + |Y|) / 6)^alpha, |Y| counting eos.
 */
import type { IncrementalDecoder } from './incremental-decoder.js';
import { DEFAULT_DECODE_TOKENS, type DecodeTokens } from './special-tokens.js';

export interface BeamOptions {
  /** Beams per source. Defaults to 4. */
  readonly beam?: number;
  /** GNMT length-penalty exponent alpha; 0 ranks by raw log-probability. Defaults to 0.6. */
  readonly alpha?: number;
  readonly tokens?: DecodeTokens;
}

export function gnmtLengthPenalty(length: number, alpha: number): number {
  return Math.pow((5 + length) / 6, alpha);
}

interface Candidate {
  readonly score: number;
  readonly row: number;
  readonly token: number;
}

/** The best `count` (row, token) pairs by score, ties to the lower row then the lower token. */
function topCandidates(logp: Float32Array, scores: Float64Array, rows: number[], v: number, count: number): Candidate[] {
  const best: Candidate[] = [];
  for (const row of rows) {
    const base = scores[row]!;
    if (base === -Infinity) continue;
    for (let t = 0; t < v; t++) {
      const score = base + logp[row * v + t]!;
      if (best.length === count && score <= best[count - 1]!.score) continue;
      let i = best.length;
      while (i > 0 && best[i - 1]!.score < score) i--;
      best.splice(i, 0, { score, row, token: t });
      if (best.length > count) best.pop();
    }
  }
  return best;
}

export async function beamSearch(decoder: IncrementalDecoder, maxLen: number, options: BeamOptions = {}): Promise<number[][]> {
  const k = options.beam ?? 4;
  const alpha = options.alpha ?? 0.6;
  const { bos, eos } = options.tokens ?? DEFAULT_DECODE_TOKENS;
  const sources = decoder.rows;
  const v = decoder.vocabSize;
  decoder.reorder(Int32Array.from({ length: sources * k }, (_, r) => Math.floor(r / k)));
  let scores = Float64Array.from({ length: sources * k }, (_, r) => (r % k === 0 ? 0 : -Infinity));
  let hyps: number[][] = Array.from({ length: sources * k }, () => []);
  const finished: { tokens: number[]; score: number }[][] = Array.from({ length: sources }, () => []);
  const done = new Array<boolean>(sources).fill(false);
  let input = new Int32Array(sources * k).fill(bos);

  for (let pos = 0; pos < maxLen && done.includes(false); pos++) {
    const logp = await decoder.step(input, pos);
    const from = new Int32Array(sources * k);
    const nextInput = new Int32Array(sources * k).fill(eos);
    const nextScores = new Float64Array(sources * k).fill(-Infinity);
    const nextHyps: number[][] = new Array(sources * k);
    for (let b = 0; b < sources; b++) {
      const rows = Array.from({ length: k }, (_, j) => b * k + j);
      let alive = 0;
      if (!done[b]) {
        for (const c of topCandidates(logp, scores, rows, v, 2 * k)) {
          const prefix = hyps[c.row]!;
          if (c.token === eos) {
            finished[b]!.push({ tokens: prefix, score: c.score / gnmtLengthPenalty(prefix.length + 1, alpha) });
            if (finished[b]!.length >= k) break;
            continue;
          }
          const slot = b * k + alive;
          from[slot] = c.row;
          nextInput[slot] = c.token;
          nextScores[slot] = c.score;
          nextHyps[slot] = [...prefix, c.token];
          if (++alive === k) break;
        }
        if (finished[b]!.length >= k) done[b] = true;
      }
      for (let j = alive; j < k; j++) {
        from[b * k + j] = b * k;
        nextHyps[b * k + j] = [];
      }
      if (alive === 0) done[b] = true;
    }
    decoder.reorder(from);
    scores = nextScores;
    hyps = nextHyps;
    input = nextInput;
  }
  return finished.map((list, b) => {
    for (let j = 0; j < k; j++) {
      const row = b * k + j;
      if (scores[row]! > -Infinity) list.push({ tokens: hyps[row]!, score: scores[row]! / gnmtLengthPenalty(hyps[row]!.length + 1, alpha) });
    }
    let best = list[0];
    for (const h of list) if (best === undefined || h.score > best.score) best = h;
    return best?.tokens ?? [];
  });
}
