/**
 * A tiny encoder-decoder (d_model 16, 1 + 1 layers, vocabulary 40) and deterministic batches, for
 * trainer tests.
 */
import type { Seq2SeqBatch } from '@orquesta/data';
import type { ExperimentSpec, TrainingSpec } from '@orquesta/protocol';
import { buildModel, type TrainableModel } from '../trainable-model.js';

/** What buildModel reads of a spec. */
const modelSections: Pick<ExperimentSpec, 'task' | 'model'> & { readonly training: Pick<TrainingSpec, 'seed'> } = {
  task: 'translation',
  model: {
    d_model: 16,
    heads: 2,
    d_ff: 32,
    encoder_layers: 1,
    decoder_layers: 1,
    dropout: 0,
    attention_dropout: 0,
    activation: 'relu',
    norm: 'pre',
    max_len: 16,
    positional: 'sinusoidal',
    tie_embeddings: true,
  },
  training: { seed: 3 },
};

export function model(): TrainableModel {
  return buildModel(modelSections as ExperimentSpec, 40);
}

/** A batch of `rows` pairs of 4 source and 4 target tokens; the last pair of each is padded. */
export function batch(seed: number, rows: number): Seq2SeqBatch {
  const ids = (n: number, offset: number) => Int32Array.from({ length: n }, (_, i) => 4 + ((i * 7 + seed * 13 + offset) % 30));
  const src = ids(rows * 4, 1);
  const tgtIn = ids(rows * 4, 2);
  const tgtOut = ids(rows * 4, 3);
  src[rows * 4 - 1] = 0;
  tgtIn[rows * 4 - 1] = 0;
  tgtOut[rows * 4 - 1] = 0;
  return {
    size: rows,
    srcLen: 4,
    tgtLen: 4,
    src,
    tgtIn,
    tgtOut,
    srcTokens: rows * 4 - 1,
    tgtTokens: rows * 4 - 1,
    indices: new Int32Array(rows),
  } as Seq2SeqBatch;
}

export function concat(a: Seq2SeqBatch, b: Seq2SeqBatch): Seq2SeqBatch {
  const join = (x: Int32Array, y: Int32Array) => Int32Array.from([...x, ...y]);
  return {
    ...a,
    size: a.size + b.size,
    src: join(a.src, b.src),
    tgtIn: join(a.tgtIn, b.tgtIn),
    tgtOut: join(a.tgtOut, b.tgtOut),
    srcTokens: a.srcTokens + b.srcTokens,
    tgtTokens: a.tgtTokens + b.tgtTokens,
  };
}
