import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { transformerConfig } from '../config.js';
import { DecoderOnlyLM } from './decoder-only-lm.js';
import { Seq2SeqTransformer } from './seq2seq-transformer.js';

const tiny = (extra = {}) =>
  transformerConfig({ vocabSize: 24, dModel: 16, heads: 2, dFf: 32, encoderLayers: 2, decoderLayers: 2, maxLen: 16, dropout: 0.1, ...extra });
let model: Seq2SeqTransformer;

beforeAll(async () => {
  await selectBackend('cpu');
  model = new Seq2SeqTransformer(tiny());
});
afterAll(() => model.dispose());

function decoderOut(src: number[][], tgt: number[][]): number[][][] {
  return tf.tidy(() => {
    const enc = model.encode(tf.tensor2d(src, undefined, 'int32'));
    return model.decode(tf.tensor2d(tgt, undefined, 'int32'), enc).arraySync();
  });
}

describe('Seq2SeqTransformer masks', () => {
  it('changing a future target token never changes earlier decoder outputs', () => {
    const src = [[5, 6, 7, 2]];
    const a = decoderOut(src, [[1, 8, 9, 10, 11]])[0]!;
    const b = decoderOut(src, [[1, 8, 9, 17, 4]])[0]!; // positions 3 and 4 differ
    for (let t = 0; t < 3; t++) for (let d = 0; d < 16; d++) expect(b[t]![d]).toBeCloseTo(a[t]![d]!, 5);
    expect(Math.abs(b[3]![0]! - a[3]![0]!)).toBeGreaterThan(1e-4);
  });

  it('more or different padding never changes the outputs of real tokens', () => {
    const tgt = [[1, 8, 9]];
    const short = decoderOut([[5, 6, 7, 2]], tgt)[0]!;
    const padded = decoderOut([[5, 6, 7, 2, 0, 0, 0]], tgt)[0]!;
    for (let t = 0; t < 3; t++) for (let d = 0; d < 16; d++) expect(padded[t]![d]).toBeCloseTo(short[t]![d]!, 5);
    const enc = (src: number[][]) => tf.tidy(() => model.encode(tf.tensor2d(src, undefined, 'int32')).memory.arraySync()[0]!);
    const e1 = enc([[5, 6, 7, 2, 0]]);
    const e2 = enc([[5, 6, 7, 2, 0, 0, 0, 0]]);
    for (let t = 0; t < 4; t++) for (let d = 0; d < 16; d++) expect(e2[t]![d]).toBeCloseTo(e1[t]![d]!, 5);
  });

  it("has the benchmark model's parameter count for its shape", () => {
    // 7.58 M parameters for d 256, 4 heads, d_ff 1024, 3+3 layers, vocab 8000, tied (compute-facts).
    const big = new Seq2SeqTransformer(transformerConfig({ vocabSize: 8000, maxLen: 64 }));
    expect(big.params.count).toBe(7_578_624);
    big.dispose();
  });

  it('decoder-only LM is causal too', () => {
    const lm = new DecoderOnlyLM(tiny({ encoderLayers: 0 }));
    const out = (ids: number[]) => tf.tidy(() => lm.hidden(tf.tensor2d([ids], undefined, 'int32')).arraySync()[0]!);
    const a = out([1, 5, 6, 7]);
    const b = out([1, 5, 9, 3]);
    for (let d = 0; d < 16; d++) expect(b[1]![d]).toBeCloseTo(a[1]![d]!, 5);
    lm.dispose();
  });
});
