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
    step(tokens, position) {
      return keeper.nextLogProbs(tokens, rows, model.config.vocabSize, (ids) => model.logits(model.hidden(ids, false, keeper.cache, position))); // ids [N, 1]
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
