/**
 * A decoder-only Transformer language model (GPT-style): token embedding, decoder blocks with
 * causal self-attention and no cross-attention, and an output projection (tied to the
 * embedding unless the config says otherwise).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TransformerConfig } from '../config.js';
import type { AttentionObserver } from '../layers/block-context.js';
import type { BlockCache } from '../layers/decoder-block.js';
import { DecoderBlock } from '../layers/decoder-block.js';
import { Embedding } from '../layers/embedding.js';
import { LayerNorm } from '../layers/layer-norm.js';
import { OutputProjection } from '../layers/output-projection.js';
import { labelSmoothedCrossEntropy, type LossResult } from '../loss.js';
import { causalBias, paddingBias } from '../masks.js';
import { DropoutRng } from '../ops/dropout.js';
import { ParameterStore } from '../parameters.js';
import type { LmInputs } from './batch-inputs.js';

export class DecoderOnlyLM {
  readonly params: ParameterStore;
  readonly rng: DropoutRng;
  private readonly embedding: Embedding;
  private readonly blocks: DecoderBlock[];
  private readonly norm: LayerNorm | undefined;
  private readonly output: OutputProjection;

  constructor(readonly config: TransformerConfig) {
    this.params = new ParameterStore(config.seed);
    this.rng = new DropoutRng(config.seed);
    this.embedding = new Embedding(this.params, 'embed', config);
    this.blocks = Array.from({ length: config.decoderLayers }, (_, i) => new DecoderBlock(this.params, `decoder.layers.${i}`, config, false, i));
    this.norm = config.norm === 'pre' ? new LayerNorm(this.params, 'decoder.norm', config.dModel) : undefined;
    this.output = new OutputProjection(this.params, 'output', this.embedding, config.dModel, config.vocabSize, config.tieEmbeddings);
  }

  /**
   * @param ids [B, T] int32 (with a cache: the next position(s) from `offset` on)
   * @param observeAttention sees each layer's self-attention weights [B, H, T, T]
   * @returns hidden states [B, T, D]
   */
  hidden(ids: tf.Tensor2D, training = false, cache?: BlockCache[], offset = 0, observeAttention?: AttentionObserver): tf.Tensor3D {
    const ctx = { training, rng: this.rng, dropout: this.config.dropout, attentionDropout: this.config.attentionDropout, observeAttention };
    const t = ids.shape[1];
    // With a cache: causal over the new positions against cached + new keys.
    const bias = cache ? (t > 1 ? causalBias(t, offset) : undefined) : tf.add(causalBias(t), paddingBias(ids, this.config.padId)); // [B, 1, T, T]
    let x = this.rng.apply(this.embedding.apply(ids, offset), this.config.dropout, training); // [B, T, D]
    this.blocks.forEach((block, i) => {
      x = block.apply(x, bias, ctx, undefined, undefined, cache?.[i]);
    });
    return this.norm ? (this.norm.apply(x) as tf.Tensor3D) : x;
  }

  /** [B, T, D] -> [B, T, V] */
  logits(hidden: tf.Tensor3D): tf.Tensor3D {
    const [b, t, d] = hidden.shape;
    return tf.reshape(this.output.apply(tf.reshape(hidden, [b * t, d])), [b, t, this.config.vocabSize]);
  }

  loss(batch: LmInputs, labelSmoothing: number, training = true): LossResult {
    const { size: b, len: t } = batch;
    const hidden = this.hidden(tf.tensor2d(batch.input, [b, t], 'int32'), training); // [B, T, D]
    const flat = this.output.apply(tf.reshape(hidden, [b * t, this.config.dModel])); // [B*T, V]
    return labelSmoothedCrossEntropy(flat, batch.target, this.config.padId, labelSmoothing);
  }

  newCache(): BlockCache[] {
    return this.blocks.map(() => ({ self: undefined, cross: undefined }));
  }

  get variables(): ReadonlyMap<string, tf.Variable> {
    return this.params.variables;
  }

  dispose(): void {
    this.params.dispose();
    this.embedding.dispose();
  }
}
