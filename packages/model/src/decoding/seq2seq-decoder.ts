import * as tf from '@tensorflow/tfjs-core';
import type { Encoded, Seq2SeqTransformer } from '../models/seq2seq-transformer.js';
import { CacheKeeper, type IncrementalDecoder } from './incremental-decoder.js';

/**
 * Incremental decoding for the encoder-decoder model: the source is encoded once; each step
 * runs the decoder on one new token per row against the cached keys and values.
 * @param src [B, S] source ids, row-major
 */
export function seq2seqDecoder(model: Seq2SeqTransformer, src: Int32Array, batch: number, srcLen: number): IncrementalDecoder {
  const keeper = new CacheKeeper(model.newCache());
  const [memory, srcBias] = tf.tidy(() => {
    const e = model.encode(tf.tensor2d(src, [batch, srcLen], 'int32'));
    return [e.memory, e.srcBias];
  }) as [tf.Tensor3D, tf.Tensor4D];
  let encoded: Encoded = { memory, srcBias };
  let rows = batch;
  return {
    get rows() {
      return rows;
    },
    vocabSize: model.config.vocabSize,
    step(tokens, position) {
      return keeper.nextLogProbs(tokens, rows, model.config.vocabSize, (ids) => model.logits(model.decode(ids, encoded, false, keeper.cache, position))); // ids [N, 1]
    },
    reorder(from) {
      keeper.reorder(from);
      const index = tf.tensor1d(from, 'int32');
      const next = { memory: tf.gather(encoded.memory, index), srcBias: tf.gather(encoded.srcBias, index) };
      tf.dispose([index, encoded.memory, encoded.srcBias]);
      encoded = next;
      rows = from.length;
    },
    dispose() {
      keeper.dispose();
      tf.dispose([encoded.memory, encoded.srcBias]);
    },
  };
}
