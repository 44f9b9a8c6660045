import { DataConfigError } from '../errors.js';
import { IntBuffer } from './int-buffer.js';

/** Spec `data.overlong`: what happens to a sentence longer than `data.max_len`. */
export type OverlongPolicy = 'drop' | 'truncate';

/**
 * Tokenised sentence pairs, stored flat. Pair i's source ids are
 * `srcIds[srcOffsets[i] .. srcOffsets[i + 1])` (no eos), its target ids likewise (no bos, no eos).
 */
export interface PairCorpus {
  /** Number of pairs (N). */
  readonly size: number;
  /** [N + 1] start of each pair's source in srcIds; the last entry is srcIds.length. */
  readonly srcOffsets: Int32Array;
  /** [N + 1] start of each pair's target in tgtIds. */
  readonly tgtOffsets: Int32Array;
  readonly srcIds: Int32Array;
  readonly tgtIds: Int32Array;
  /** [N] 1-based line of each pair in its file. */
  readonly lines: Int32Array;
}

/** How many pairs `data.max_len` affected. */
export interface OverlongReport {
  /** Longest sequence kept, in tokens, eos (source) or bos/eos (target) included. */
  readonly maxLen: number;
  readonly policy: OverlongPolicy;
  /** Pairs left out because a side was too long (policy drop). */
  readonly dropped: number;
  /** Pairs cut to fit (policy truncate). */
  readonly truncated: number;
}

/**
 * Collects tokenised pairs and applies `data.max_len`: a side fits when its ids plus one (eos
 * for the source; bos in the decoder input, eos in the decoder target) are at most maxLen.
 * A pair with a side that does not fit is dropped, or both sides are cut to maxLen - 1 ids.
 */
export class PairCorpusBuilder {
  private readonly srcIds = new IntBuffer(1 << 16);
  private readonly tgtIds = new IntBuffer(1 << 16);
  private readonly srcOffsets = new IntBuffer();
  private readonly tgtOffsets = new IntBuffer();
  private readonly lines = new IntBuffer();
  private dropped = 0;
  private truncated = 0;

  /** Throws DataConfigError when maxLen < 2 (no room for one token and eos). */
  constructor(
    private readonly maxLen: number,
    private readonly policy: OverlongPolicy,
  ) {
    if (!Number.isInteger(maxLen) || maxLen < 2) throw new DataConfigError('data.max_len', `${maxLen} leaves no room for a token and eos; use at least 2`);
    this.srcOffsets.push(0);
    this.tgtOffsets.push(0);
  }

  /** Adds one pair (ids without bos/eos). Returns false when the pair was dropped. */
  add(src: ArrayLike<number>, tgt: ArrayLike<number>, line: number): boolean {
    const room = this.maxLen - 1;
    if (src.length > room || tgt.length > room) {
      if (this.policy === 'drop') {
        this.dropped++;
        return false;
      }
      this.truncated++;
    }
    this.srcIds.append(src, Math.min(src.length, room));
    this.tgtIds.append(tgt, Math.min(tgt.length, room));
    this.srcOffsets.push(this.srcIds.length);
    this.tgtOffsets.push(this.tgtIds.length);
    this.lines.push(line);
    return true;
  }

  build(): { corpus: PairCorpus; overlong: OverlongReport } {
    const corpus: PairCorpus = {
      size: this.lines.length,
      srcOffsets: this.srcOffsets.toArray(),
      tgtOffsets: this.tgtOffsets.toArray(),
      srcIds: this.srcIds.toArray(),
      tgtIds: this.tgtIds.toArray(),
      lines: this.lines.toArray(),
    };
    return { corpus, overlong: { maxLen: this.maxLen, policy: this.policy, dropped: this.dropped, truncated: this.truncated } };
  }
}

/** [N] padded length of each pair in a batch: max(source ids + 1, target ids + 1). */
export function pairLengths(corpus: PairCorpus): Int32Array {
  const out = new Int32Array(corpus.size);
  for (let i = 0; i < corpus.size; i++) {
    const s = (corpus.srcOffsets[i + 1] as number) - (corpus.srcOffsets[i] as number);
    const t = (corpus.tgtOffsets[i + 1] as number) - (corpus.tgtOffsets[i] as number);
    out[i] = Math.max(s, t) + 1;
  }
  return out;
}
