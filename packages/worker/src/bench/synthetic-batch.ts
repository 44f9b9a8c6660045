import { lcg32, type Seq2SeqBatch } from '@orquesta/data';

/** Shared vocabulary of the benchmark Transformer. */
export const BENCH_VOCAB = 8000;

/** Deterministic token ids in [4, vocab): no padding, so every position counts. */
export function syntheticBatch(batch: number, length: number, seed: number): Seq2SeqBatch {
  const word = lcg32(seed);
  const next = () => 4 + (word() % (BENCH_VOCAB - 4));
  const make = () => Int32Array.from({ length: batch * length }, next);
  const tokens = batch * length;
  return {
    size: batch,
    srcLen: length,
    tgtLen: length,
    src: make(),
    tgtIn: make(),
    tgtOut: make(),
    srcTokens: tokens,
    tgtTokens: tokens,
    indices: new Int32Array(batch),
  } as Seq2SeqBatch;
}
