/**
 * Trainable parameters of a spec's model, counted from its shape without building it (the
 * coordinator never loads tfjs). Mirrors packages/model's layers: attention = 4 linear d->d with
 * bias, feed-forward d->f->d with biases, layer norms with gain and bias, pre-LN final norms, one
 * embedding table (shared vocabulary), learned positions optional, untied output without bias.
 * The vocabulary is the spec's tokenizer.vocab_size (an upper bound: a small corpus may fill fewer),
 * or CHAR_VOCAB_ESTIMATE for character tokenizers (their size is the corpus's alphabet).
 */
import type { ExperimentSpec } from '@orquesta/protocol';

export const CHAR_VOCAB_ESTIMATE = 256;

export function parameterCount(spec: Pick<ExperimentSpec, 'task' | 'model' | 'tokenizer'>): number {
  const { model } = spec;
  const d = model.d_model;
  const f = model.d_ff;
  const vocab = spec.tokenizer.kind === 'char' ? CHAR_VOCAB_ESTIMATE : spec.tokenizer.vocab_size;
  const attention = 4 * (d * d + d);
  const feedForward = d * f + f + f * d + d;
  const norm = 2 * d;
  const embedding = vocab * d + (model.positional === 'learned' ? model.max_len * d : 0);
  const output = model.tie_embeddings ? 0 : d * vocab;
  const finalNorms = model.norm === 'pre' ? norm * (spec.task === 'translation' ? 2 : 1) : 0;
  if (spec.task === 'translation') {
    const encoder = model.encoder_layers * (attention + feedForward + 2 * norm);
    const decoder = model.decoder_layers * (2 * attention + feedForward + 3 * norm);
    return embedding + encoder + decoder + finalNorms + output;
  }
  return embedding + model.decoder_layers * (attention + feedForward + 2 * norm) + finalNorms + output;
}
