import * as tf from '@tensorflow/tfjs-core';
import type { DecoderOnlyLM } from '../models/decoder-only-lm.js';
import { CacheKeeper, type IncrementalDecoder } from './incremental-decoder.js';

/** Incremental decoding for the decoder-only language model, `rows` sequences at once. */
export function lmDecoder(model: DecoderOnlyLM, initialRows: number): IncrementalDecoder {
  const keeper = new CacheKeeper(model.newCache());
  let rows = initialRows;
  return {
    get rows() {
      return rows;
    },
    vocabSize: model.config.vocabSize,
    async step(tokens, position) {
      const logp = keeper.run(() => {
        const hidden = model.hidden(tf.tensor2d(tokens, [rows, 1], 'int32'), false, keeper.cache, position); // [N, 1, D]
        return tf.logSoftmax(tf.reshape(model.logits(hidden), [rows, model.config.vocabSize])); // [N, V]
      });
      const values = (await logp.data()) as Float32Array;
      logp.dispose();
      return values;
    },
    reorder(from) {
      keeper.reorder(from);
      rows = from.length;
    },
    dispose() {
      keeper.dispose();
    },
  };
}
