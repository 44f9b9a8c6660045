import type * as tf from '@tensorflow/tfjs-core';
import type { TransformerConfig } from '../config.js';
import type { ParameterStore } from '../parameters.js';
import { attentionDrop, residualDrop, type BlockContext } from './block-context.js';
import { FeedForward } from './feed-forward.js';
import { LayerNorm } from './layer-norm.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { residual } from './sublayer.js';

/** Self-attention over the source, then feed-forward; each a residual sub-layer. */
export class EncoderBlock {
  readonly selfAttention: MultiHeadAttention;
  readonly feedForward: FeedForward;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;

  constructor(
    store: ParameterStore,
    name: string,
    private readonly config: TransformerConfig,
    /** This block's index in the encoder stack. */
    private readonly layer = 0,
  ) {
    this.selfAttention = new MultiHeadAttention(store, `${name}.self_attn`, config.dModel, config.heads);
    this.feedForward = new FeedForward(store, `${name}.ff`, config.dModel, config.dFf, config.activation);
    this.norm1 = new LayerNorm(store, `${name}.norm1`, config.dModel);
    this.norm2 = new LayerNorm(store, `${name}.norm2`, config.dModel);
  }

  /**
   * @param x [B, S, D]
   * @param srcBias padding mask [B, 1, 1, S]
   * @returns [B, S, D]
   */
  apply(x: tf.Tensor3D, srcBias: tf.Tensor4D, ctx: BlockContext): tf.Tensor3D {
    const drop = residualDrop(ctx);
    const attend = (h: tf.Tensor) => {
      const { q, kv } = this.selfAttention.selfProjections(h as tf.Tensor3D);
      return this.selfAttention.attend(q, kv, srcBias, attentionDrop(ctx, { stack: 'encoder', layer: this.layer, kind: 'self' }));
    };
    const h = residual(x, this.norm1, this.config.norm, attend, drop);
    return residual(h, this.norm2, this.config.norm, (t) => this.feedForward.apply(t, drop), drop) as tf.Tensor3D;
  }
}
