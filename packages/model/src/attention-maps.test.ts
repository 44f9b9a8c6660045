import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lmAttention, seq2seqAttention, type AttentionStack } from './attention-maps.js';
import { selectBackend } from './backend/select-backend.js';
import { transformerConfig } from './config.js';
import { DecoderOnlyLM } from './models/decoder-only-lm.js';
import { Seq2SeqTransformer } from './models/seq2seq-transformer.js';

// Dropout is set: the explorer's pass is not a training pass, so it must not apply.
const tiny = { vocabSize: 24, dModel: 16, heads: 2, dFf: 32, encoderLayers: 2, decoderLayers: 3, maxLen: 16, dropout: 0.3, attentionDropout: 0.3 };
let seq2seq: Seq2SeqTransformer;
let lm: DecoderOnlyLM;

beforeAll(async () => {
  await selectBackend('cpu');
  seq2seq = new Seq2SeqTransformer(transformerConfig(tiny));
  lm = new DecoderOnlyLM(transformerConfig({ ...tiny, encoderLayers: 0 }));
});
afterAll(() => {
  seq2seq.dispose();
  lm.dispose();
});

/** Shape [layers, heads, queries, keys], every row a distribution, `masked(q, k)` keys at 0. */
function expectProbabilities(stack: AttentionStack, shape: [number, number, number, number], masked: (q: number, k: number) => boolean): void {
  expect([stack.length, stack[0]?.length, stack[0]?.[0]?.length, stack[0]?.[0]?.[0]?.length]).toEqual(shape);
  for (const head of stack.flat())
    head.forEach((row, q) => {
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      row.forEach((w, k) => (masked(q, k) ? expect(w).toBe(0) : expect(w).toBeGreaterThan(0)));
    });
}

describe('attention weights out of the model', () => {
  it('gives every layer and head of an encoder-decoder: rows that sum to 1, padding and the future at 0', () => {
    const before = tf.memory().numTensors;
    // Source: 4 tokens, eos (2) and one pad (0); decoder inputs: bos (1) and 3 produced tokens.
    const maps = seq2seqAttention(seq2seq, [5, 6, 7, 8, 2, 0], [1, 9, 10, 11]);
    expectProbabilities(maps.encoder, [2, 2, 6, 6], (_q, k) => k === 5);
    expectProbabilities(maps.decoder, [3, 2, 4, 4], (q, k) => k > q);
    expectProbabilities(maps.cross, [3, 2, 4, 6], (_q, k) => k === 5);
    // The first decoder step sees bos only.
    for (const head of maps.decoder.flat()) expect(head[0]?.[0]).toBeCloseTo(1, 6);
    // No dropout: the same input gives the same weights; nothing is left on the backend.
    expect(seq2seqAttention(seq2seq, [5, 6, 7, 8, 2, 0], [1, 9, 10, 11])).toEqual(maps);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives a language model its causal self-attention', () => {
    const maps = lmAttention(lm, [1, 4, 5, 6, 7]);
    expectProbabilities(maps.decoder, [3, 2, 5, 5], (q, k) => k > q);
  });

  it('are the weights that make the output: observing changes nothing the model computes', () => {
    const out = (observe: boolean) =>
      tf.tidy(() => {
        const enc = seq2seq.encode(tf.tensor2d([[5, 6, 7, 2]], undefined, 'int32'), false, observe ? () => undefined : undefined);
        return seq2seq.decode(tf.tensor2d([[1, 9, 10]], undefined, 'int32'), enc, false, undefined, 0, observe ? () => undefined : undefined).arraySync();
      });
    expect(out(true)).toEqual(out(false));
  });
});
