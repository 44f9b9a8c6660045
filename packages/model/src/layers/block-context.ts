import type * as tf from '@tensorflow/tfjs-core';
import type { DropoutRng } from '../ops/dropout.js';

/** Where an attention's weights come from: its stack, layer and kind (a decoder layer's self- or cross-attention). */
export interface AttentionSite {
  readonly stack: 'encoder' | 'decoder';
  readonly layer: number;
  readonly kind: 'self' | 'cross';
}

/** Told every attention's weights [B, H, Tq, Tk] (softmax rows, before dropout) during a pass; must not dispose them. */
export type AttentionObserver = (site: AttentionSite, weights: tf.Tensor4D) => void;

/** What every block needs to know about the current pass. */
export interface BlockContext {
  readonly training: boolean;
  readonly rng: DropoutRng;
  /** Residual dropout probability. */
  readonly dropout: number;
  /** Attention-weight dropout probability. */
  readonly attentionDropout: number;
  /** Sees the attention weights of this pass (the attention explorer); absent in training. */
  readonly observeAttention?: AttentionObserver | undefined;
}

export function residualDrop(ctx: BlockContext): <T extends tf.Tensor>(x: T) => T {
  return (x) => ctx.rng.apply(x, ctx.dropout, ctx.training);
}

export function attentionDrop(ctx: BlockContext, site: AttentionSite): (w: tf.Tensor4D) => tf.Tensor4D {
  return (w) => {
    ctx.observeAttention?.(site, w);
    return ctx.rng.apply(w, ctx.attentionDropout, ctx.training);
  };
}
