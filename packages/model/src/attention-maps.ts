/**
 * The attention weights of one input, from the same model code that trains (the blocks report each
 * softmax through an AttentionObserver): every layer and head, as nested arrays
 * [layer][head][query][key] of probabilities (each query's row sums to 1; masked keys get 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionObserver, AttentionSite } from './layers/block-context.js';
import type { DecoderOnlyLM } from './models/decoder-only-lm.js';
import type { Seq2SeqTransformer } from './models/seq2seq-transformer.js';

/** [layer][head][query][key] */
export type AttentionStack = number[][][][];

export interface Seq2SeqAttention {
  /** Encoder self-attention: queries and keys are the source tokens. */
  readonly encoder: AttentionStack;
  /** Decoder self-attention: queries and keys are the decoder's inputs (bos, then the target tokens). */
  readonly decoder: AttentionStack;
  /** Cross-attention: queries are the decoder's inputs, keys the source tokens. */
  readonly cross: AttentionStack;
}

/**
 * One teacher-forced pass: `src` (with its eos) through the encoder, and `tgtIn` (bos, then the
 * tokens the decoder produced, without its final eos) through the decoder: decoder query i is the
 * step that produced target token i, seeing what the incremental decoder saw then.
 */
export function seq2seqAttention(model: Seq2SeqTransformer, src: readonly number[], tgtIn: readonly number[]): Seq2SeqAttention {
  const { observe, stacks } = collector();
  tf.tidy(() => {
    const encoded = model.encode(tf.tensor2d([...src], [1, src.length], 'int32'), false, observe);
    model.decode(tf.tensor2d([...tgtIn], [1, tgtIn.length], 'int32'), encoded, false, undefined, 0, observe);
  });
  return { encoder: stacks('encoder', 'self'), decoder: stacks('decoder', 'self'), cross: stacks('decoder', 'cross') };
}

/** A language model's self-attention over `ids` (the prompt and what it generated). */
export function lmAttention(model: DecoderOnlyLM, ids: readonly number[]): { readonly decoder: AttentionStack } {
  const { observe, stacks } = collector();
  tf.tidy(() => void model.hidden(tf.tensor2d([...ids], [1, ids.length], 'int32'), false, undefined, 0, observe));
  return { decoder: stacks('decoder', 'self') };
}

/** Keeps row 0 of every attention's weights by site; `stacks` lists a kind's layers in order. */
function collector(): { observe: AttentionObserver; stacks: (stack: AttentionSite['stack'], kind: AttentionSite['kind']) => AttentionStack } {
  const seen = new Map<string, number[][][]>();
  const key = (stack: string, kind: string, layer: number) => `${stack}/${kind}/${layer}`;
  return {
    observe: (site, weights) => {
      seen.set(key(site.stack, site.kind, site.layer), (weights.arraySync() as number[][][][])[0] as number[][][]); // [H, Tq, Tk]
    },
    stacks: (stack, kind) => {
      const layers: AttentionStack = [];
      for (let layer = 0; seen.has(key(stack, kind, layer)); layer++) layers.push(seen.get(key(stack, kind, layer)) as number[][][]);
      return layers;
    },
  };
}
