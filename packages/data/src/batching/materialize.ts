import { SPECIAL_IDS } from '../special-ids.js';
import type { PairCorpus } from '../corpus/pair-corpus.js';
import type { LmBatch, Seq2SeqBatch } from './batch-types.js';

/** Lays out the pairs `items` of `corpus` as one padded batch (see Seq2SeqBatch). */
export function materializePairs(corpus: PairCorpus, items: Int32Array): Seq2SeqBatch {
  const size = items.length;
  let srcLen = 0;
  let tgtLen = 0;
  for (const i of items) {
    srcLen = Math.max(srcLen, (corpus.srcOffsets[i + 1] as number) - (corpus.srcOffsets[i] as number) + 1);
    tgtLen = Math.max(tgtLen, (corpus.tgtOffsets[i + 1] as number) - (corpus.tgtOffsets[i] as number) + 1);
  }
  const src = new Int32Array(size * srcLen); // [B, S] row-major, zero = pad
  const tgtIn = new Int32Array(size * tgtLen); // [B, T] row-major
  const tgtOut = new Int32Array(size * tgtLen); // [B, T] row-major
  let srcTokens = 0;
  let tgtTokens = 0;
  for (let row = 0; row < size; row++) {
    const i = items[row] as number;
    const s = corpus.srcIds.subarray(corpus.srcOffsets[i], corpus.srcOffsets[i + 1]);
    const t = corpus.tgtIds.subarray(corpus.tgtOffsets[i], corpus.tgtOffsets[i + 1]);
    src.set(s, row * srcLen);
    src[row * srcLen + s.length] = SPECIAL_IDS.eos;
    tgtIn[row * tgtLen] = SPECIAL_IDS.bos;
    tgtIn.set(t, row * tgtLen + 1);
    tgtOut.set(t, row * tgtLen);
    tgtOut[row * tgtLen + t.length] = SPECIAL_IDS.eos;
    srcTokens += s.length + 1;
    tgtTokens += t.length + 1;
  }
  return { size, srcLen, tgtLen, src, tgtIn, tgtOut, srcTokens, tgtTokens, indices: items.slice() };
}

/** Cuts the windows starting at `starts` out of `stream` (see LmBatch). Each start needs len + 1 tokens. */
export function materializeWindows(stream: Int32Array, starts: Int32Array, len: number): LmBatch {
  const size = starts.length;
  const input = new Int32Array(size * len); // [B, T] row-major
  const target = new Int32Array(size * len); // [B, T] row-major
  for (let row = 0; row < size; row++) {
    const s = starts[row] as number;
    input.set(stream.subarray(s, s + len), row * len);
    target.set(stream.subarray(s + 1, s + len + 1), row * len);
  }
  return { size, len, input, target, tokens: size * len, starts: starts.slice() };
}
