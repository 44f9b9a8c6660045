/**
 * The one view of a model the trainer needs: its variables in a fixed order and the summed loss
 * of a micro-batch (an encoder-decoder batch or a language-model batch).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ExperimentSpec } from '@orquesta/protocol';
import type { LmBatch, Seq2SeqBatch } from '@orquesta/data';
import { configFromSpec, DecoderOnlyLM, Seq2SeqTransformer, type LossResult, type TransformerConfig } from '@orquesta/model';

export type TrainBatch = Seq2SeqBatch | LmBatch;

export interface TrainableModel {
  readonly config: TransformerConfig;
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** Starts a step: dropout masks depend on (seed, step). */
  beginStep(step: number): void;
  loss(batch: TrainBatch, labelSmoothing: number, training: boolean): LossResult;
  /** The encoder-decoder itself, for translating during training; undefined for language models. */
  readonly seq2seq: Seq2SeqTransformer | undefined;
  dispose(): void;
}

export function isSeq2SeqBatch(batch: TrainBatch): batch is Seq2SeqBatch {
  return 'src' in batch;
}

export function buildModel(spec: ExperimentSpec, vocabSize: number): TrainableModel {
  const config = configFromSpec(spec.model, vocabSize, spec.training.seed);
  if (spec.task === 'translation') {
    const model = new Seq2SeqTransformer(config);
    return {
      config,
      variables: model.variables,
      beginStep: (step) => model.rng.beginStep(step),
      loss: (batch, smoothing, training) => {
        if (!isSeq2SeqBatch(batch)) throw new TypeError('a translation model needs translation batches');
        return model.loss(batch, smoothing, training);
      },
      seq2seq: model,
      dispose: () => model.dispose(),
    };
  }
  const model = new DecoderOnlyLM(config);
  return {
    config,
    variables: model.variables,
    beginStep: (step) => model.rng.beginStep(step),
    loss: (batch, smoothing, training) => {
      if (isSeq2SeqBatch(batch)) throw new TypeError('a language model needs language-model batches');
      return model.loss(batch, smoothing, training);
    },
    seq2seq: undefined,
    dispose: () => model.dispose(),
  };
}
