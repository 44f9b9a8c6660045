import type * as tf from '@tensorflow/tfjs-core';
import type { DropoutRng } from '../ops/dropout.js';

/** What every block needs to know about the current pass. */
export interface BlockContext {
  readonly training: boolean;
  readonly rng: DropoutRng;
  /** Residual dropout probability. */
  readonly dropout: number;
  /** Attention-weight dropout probability. */
  readonly attentionDropout: number;
}

export function residualDrop(ctx: BlockContext): <T extends tf.Tensor>(x: T) => T {
  return (x) => ctx.rng.apply(x, ctx.dropout, ctx.training);
}

export function attentionDrop(ctx: BlockContext): (w: tf.Tensor4D) => tf.Tensor4D {
  return (w) => ctx.rng.apply(w, ctx.attentionDropout, ctx.training);
}
