import * as tf from '@tensorflow/tfjs-core';
import type { TransformerConfig } from '../config.js';
import type { ParameterStore } from '../parameters.js';
import { attentionDrop, residualDrop, type BlockContext } from './block-context.js';
import { FeedForward } from './feed-forward.js';
import { LayerNorm } from './layer-norm.js';
import { MultiHeadAttention, type KeyValues } from './multi-head-attention.js';
import { residual } from './sublayer.js';

/** Per-block state for incremental decoding: self-attention keys/values so far, cross keys/values. */
export interface BlockCache {
  self: KeyValues | undefined; // [B, H, t, dh] each
  cross: KeyValues | undefined; // [B, H, S, dh] each, computed once
}

/**
 * Masked self-attention, then (encoder-decoder only) cross-attention over the encoder output,
 * then feed-forward. With a cache, `x` holds only the new positions and the self-attention
 * attends to the cached keys/values plus the new ones.
 */
export class DecoderBlock {
  readonly selfAttention: MultiHeadAttention;
  readonly crossAttention: MultiHeadAttention | undefined;
  readonly feedForward: FeedForward;
  readonly norms: LayerNorm[];

  constructor(
    store: ParameterStore,
    name: string,
    private readonly config: TransformerConfig,
    withCross: boolean,
    /** This block's index in the decoder stack. */
    private readonly layer = 0,
  ) {
    this.selfAttention = new MultiHeadAttention(store, `${name}.self_attn`, config.dModel, config.heads);
    this.crossAttention = withCross ? new MultiHeadAttention(store, `${name}.cross_attn`, config.dModel, config.heads) : undefined;
    this.feedForward = new FeedForward(store, `${name}.ff`, config.dModel, config.dFf, config.activation);
    this.norms = [1, 2, 3].slice(0, withCross ? 3 : 2).map((i) => new LayerNorm(store, `${name}.norm${i}`, config.dModel));
  }

  /**
   * @param x [B, T, D] (with a cache: the new positions only)
   * @param selfBias causal + padding mask broadcastable to [B, H, T, t_total]
   * @param memory encoder output [B, S, D] (encoder-decoder only)
   * @param memoryBias source padding mask [B, 1, 1, S]
   * @param cache updated in place: self keys/values grow by T, cross keys/values are kept
   * @returns [B, T, D]
   */
  apply(x: tf.Tensor3D, selfBias: tf.Tensor | undefined, ctx: BlockContext, memory?: tf.Tensor3D, memoryBias?: tf.Tensor4D, cache?: BlockCache): tf.Tensor3D {
    const drop = residualDrop(ctx);
    const [n1, n2, n3] = this.norms as [LayerNorm, LayerNorm, LayerNorm | undefined];
    const selfAttend = (h: tf.Tensor) => {
      const projected = this.selfAttention.selfProjections(h as tf.Tensor3D);
      let kv = projected.kv;
      if (cache) {
        if (cache.self) kv = { k: tf.concat([cache.self.k, kv.k], 2), v: tf.concat([cache.self.v, kv.v], 2) };
        cache.self = kv;
      }
      return this.selfAttention.attend(projected.q, kv, selfBias, attentionDrop(ctx, { stack: 'decoder', layer: this.layer, kind: 'self' }));
    };
    let h = residual(x, n1, this.config.norm, selfAttend, drop);
    const cross = this.crossAttention;
    if (cross && memory && n3) {
      const crossAttend = (q: tf.Tensor) => {
        const kv = cache?.cross ?? cross.keyValues(memory);
        if (cache) cache.cross = kv;
        return cross.attend(cross.queries(q as tf.Tensor3D), kv, memoryBias, attentionDrop(ctx, { stack: 'decoder', layer: this.layer, kind: 'cross' }));
      };
      h = residual(h, n2, this.config.norm, crossAttend, drop);
    }
    const ffNorm = cross ? n3 : n2;
    return residual(h, ffNorm as LayerNorm, this.config.norm, (t) => this.feedForward.apply(t, drop), drop) as tf.Tensor3D;
  }
}
