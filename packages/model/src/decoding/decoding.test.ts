import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { transformerConfig } from '../config.js';
import { DecoderOnlyLM } from '../models/decoder-only-lm.js';
import { Seq2SeqTransformer } from '../models/seq2seq-transformer.js';
import { beamSearch } from './beam-search.js';
import { greedySearch } from './greedy.js';
import { lmDecoder } from './lm-decoder.js';
import { sample } from './sampling.js';
import { seq2seqDecoder } from './seq2seq-decoder.js';

const config = transformerConfig({ vocabSize: 20, dModel: 16, heads: 2, dFf: 32, encoderLayers: 1, decoderLayers: 2, maxLen: 12, seed: 3 });
const SRC = Int32Array.from([5, 6, 7, 8, 2, 9, 10, 2, 0, 0]); // two sources of length 5, the second padded
let model: Seq2SeqTransformer;

beforeAll(async () => {
  await selectBackend('wasm');
  model = new Seq2SeqTransformer(config);
});
afterAll(() => model.dispose());

describe('incremental decoding', () => {
  it('the cached decoder gives the same log-probabilities as the full forward pass', async () => {
    const tgt = [1, 11, 12, 13, 14];
    const full = tf.tidy(() => {
      const enc = model.encode(tf.tensor2d(SRC.slice(0, 5), [1, 5], 'int32'));
      return tf.logSoftmax(model.logits(model.decode(tf.tensor2d([tgt], undefined, 'int32'), enc))).arraySync()[0]!;
    });
    const decoder = seq2seqDecoder(model, SRC.slice(0, 5), 1, 5);
    for (let pos = 0; pos < tgt.length; pos++) {
      const step = await decoder.step(Int32Array.of(tgt[pos]!), pos);
      for (let v = 0; v < 20; v++) expect(step[v]).toBeCloseTo(full[pos]![v]!, 4);
    }
    decoder.dispose();
  });

  it('beam search with one beam equals greedy search', async () => {
    const greedy = await greedySearch(seq2seqDecoder(model, SRC, 2, 5), 10);
    const beam = await beamSearch(seq2seqDecoder(model, SRC, 2, 5), 10, { beam: 1 });
    expect(beam).toEqual(greedy);
    expect(greedy[0]!.length).toBeGreaterThan(0);
  });

  it('a wider beam finds a hypothesis at least as likely as greedy (length penalty off)', async () => {
    const score = async (tokens: number[]) => {
      const decoder = seq2seqDecoder(model, SRC.slice(0, 5), 1, 5);
      let total = 0;
      const seq = [1, ...tokens, 2];
      for (let pos = 0; pos + 1 < seq.length; pos++) total += (await decoder.step(Int32Array.of(seq[pos]!), pos))[seq[pos + 1]!]!;
      decoder.dispose();
      return total;
    };
    const [greedy] = await greedySearch(seq2seqDecoder(model, SRC.slice(0, 5), 1, 5), 10);
    const [beam] = await beamSearch(seq2seqDecoder(model, SRC.slice(0, 5), 1, 5), 10, { beam: 4, alpha: 0 });
    if (greedy!.length < 10) expect(await score(beam!)).toBeGreaterThanOrEqual((await score(greedy!)) - 1e-5);
  });

  it('leaks no tensors across a decode', async () => {
    const before = tf.memory().numTensors;
    const decoder = seq2seqDecoder(model, SRC, 2, 5);
    await beamSearch(decoder, 8, { beam: 3 });
    decoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('sampling', () => {
  const lm = () =>
    new DecoderOnlyLM(transformerConfig({ vocabSize: 20, dModel: 16, heads: 2, dFf: 32, encoderLayers: 0, decoderLayers: 1, maxLen: 16, seed: 5 }));

  it('is reproducible with a seed and varies with another', async () => {
    const m = lm();
    const run = (seed: number) =>
      sample(lmDecoder(m, 2), 10, {
        seed,
        temperature: 1.5,
        prompts: [
          [1, 4],
          [1, 5],
        ],
      });
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    m.dispose();
  });

  it('top-k 1 is greedy', async () => {
    const m = lm();
    const greedy = await greedySearch(lmDecoder(m, 1), 8);
    const topK1 = await sample(lmDecoder(m, 1), 8, { topK: 1, seed: 99 });
    expect(topK1).toEqual(greedy);
    m.dispose();
  });
});

describe('prefill', () => {
  it('feeding a prompt in one cached call equals feeding it token by token', () => {
    const m = new DecoderOnlyLM(transformerConfig({ vocabSize: 20, dModel: 16, heads: 2, dFf: 32, encoderLayers: 0, decoderLayers: 2, maxLen: 16, seed: 9 }));
    const prompt = [1, 5, 6, 7];
    const oneCall = tf.tidy(() => m.logits(m.hidden(tf.tensor2d([prompt], undefined, 'int32'), false, m.newCache(), 0)).arraySync()[0]!);
    const stepwise = tf.tidy(() => {
      const cache = m.newCache();
      return prompt.map((token, pos) => m.logits(m.hidden(tf.tensor2d([[token]], undefined, 'int32'), false, cache, pos)).arraySync()[0]![0]!);
    });
    stepwise.forEach((row, pos) => row.forEach((v, j) => expect(oneCall[pos]![j]).toBeCloseTo(v, 4)));
    m.dispose();
  });
});
