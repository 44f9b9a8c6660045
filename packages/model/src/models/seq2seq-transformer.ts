/**
 * The encoder-decoder Transformer of "Attention Is All You Need": a shared token embedding,
 * an encoder stack, a decoder stack with cross-attention over the encoder output, and an
 * output projection (tied to the embedding by default). Pre-LN adds a final layer norm after
 * each stack.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TransformerConfig } from '../config.js';
import type { AttentionObserver, BlockContext } from '../layers/block-context.js';
import type { BlockCache } from '../layers/decoder-block.js';
import { DecoderBlock } from '../layers/decoder-block.js';
import { Embedding } from '../layers/embedding.js';
import { EncoderBlock } from '../layers/encoder-block.js';
import { LayerNorm } from '../layers/layer-norm.js';
import { OutputProjection } from '../layers/output-projection.js';
import { labelSmoothedCrossEntropy, type LossResult } from '../loss.js';
import { causalBias, paddingBias } from '../masks.js';
import { DropoutRng } from '../ops/dropout.js';
import { ParameterStore } from '../parameters.js';
import type { Seq2SeqInputs } from './batch-inputs.js';

/** Encoder output and the source padding mask that goes with it. */
export interface Encoded {
  readonly memory: tf.Tensor3D; // [B, S, D]
  readonly srcBias: tf.Tensor4D; // [B, 1, 1, S]
}

export class Seq2SeqTransformer {
  readonly params: ParameterStore;
  readonly rng: DropoutRng;
  private readonly embedding: Embedding;
  private readonly encoder: EncoderBlock[];
  private readonly decoder: DecoderBlock[];
  private readonly encoderNorm: LayerNorm | undefined;
  private readonly decoderNorm: LayerNorm | undefined;
  private readonly output: OutputProjection;

  constructor(readonly config: TransformerConfig) {
    this.params = new ParameterStore(config.seed);
    this.rng = new DropoutRng(config.seed);
    const p = this.params;
    this.embedding = new Embedding(p, 'embed', config);
    this.encoder = Array.from({ length: config.encoderLayers }, (_, i) => new EncoderBlock(p, `encoder.layers.${i}`, config, i));
    this.encoderNorm = config.norm === 'pre' ? new LayerNorm(p, 'encoder.norm', config.dModel) : undefined;
    this.decoder = Array.from({ length: config.decoderLayers }, (_, i) => new DecoderBlock(p, `decoder.layers.${i}`, config, true, i));
    this.decoderNorm = config.norm === 'pre' ? new LayerNorm(p, 'decoder.norm', config.dModel) : undefined;
    this.output = new OutputProjection(p, 'output', this.embedding, config.dModel, config.vocabSize, config.tieEmbeddings);
  }

  private context(training: boolean, observeAttention?: AttentionObserver): BlockContext {
    return { training, rng: this.rng, dropout: this.config.dropout, attentionDropout: this.config.attentionDropout, observeAttention };
  }

  /**
   * @param src [B, S] int32
   * @param observeAttention sees each encoder layer's self-attention weights [B, H, S, S]
   */
  encode(src: tf.Tensor2D, training = false, observeAttention?: AttentionObserver): Encoded {
    const ctx = this.context(training, observeAttention);
    const srcBias = paddingBias(src, this.config.padId); // [B, 1, 1, S]
    let x = this.rng.apply(this.embedding.apply(src), this.config.dropout, training); // [B, S, D]
    for (const block of this.encoder) x = block.apply(x, srcBias, ctx);
    return { memory: this.encoderNorm ? (this.encoderNorm.apply(x) as tf.Tensor3D) : x, srcBias };
  }

  /**
   * Decoder hidden states. Without a cache, `tgtIn` is the whole prefix [B, T] and a causal
   * mask applies; with a cache, `tgtIn` holds the next position(s) from `offset` on.
   * @param observeAttention sees each decoder layer's self- [B, H, T, T] and cross-attention [B, H, T, S] weights
   * @returns [B, T, D]
   */
  decode(tgtIn: tf.Tensor2D, encoded: Encoded, training = false, cache?: BlockCache[], offset = 0, observeAttention?: AttentionObserver): tf.Tensor3D {
    const ctx = this.context(training, observeAttention);
    const t = tgtIn.shape[1];
    // Without a cache: causal + padding over the whole prefix. With one: causal over the new
    // positions against cached + new keys (no mask needed for a single new token).
    const selfBias = cache ? (t > 1 ? causalBias(t, offset) : undefined) : tf.add(causalBias(t), paddingBias(tgtIn, this.config.padId)); // [B, 1, T, T]
    let x = this.rng.apply(this.embedding.apply(tgtIn, offset), this.config.dropout, training); // [B, T, D]
    this.decoder.forEach((block, i) => {
      x = block.apply(x, selfBias, ctx, encoded.memory, encoded.srcBias, cache?.[i]);
    });
    return this.decoderNorm ? (this.decoderNorm.apply(x) as tf.Tensor3D) : x;
  }

  /** [B, T, D] -> [B, T, V] */
  logits(hidden: tf.Tensor3D): tf.Tensor3D {
    const [b, t, d] = hidden.shape;
    return tf.reshape(this.output.apply(tf.reshape(hidden, [b * t, d])), [b, t, this.config.vocabSize]);
  }

  /** Summed label-smoothed loss over non-pad target tokens, and their count. */
  loss(batch: Seq2SeqInputs, labelSmoothing: number, training = true): LossResult {
    const { size: b, srcLen: s, tgtLen: t } = batch;
    const src = tf.tensor2d(batch.src, [b, s], 'int32');
    const tgtIn = tf.tensor2d(batch.tgtIn, [b, t], 'int32');
    const hidden = this.decode(tgtIn, this.encode(src, training), training); // [B, T, D]
    const flat = this.output.apply(tf.reshape(hidden, [b * t, this.config.dModel])); // [B*T, V]
    return labelSmoothedCrossEntropy(flat, batch.tgtOut, this.config.padId, labelSmoothing);
  }

  /** An empty cache for incremental decoding, one entry per decoder block. */
  newCache(): BlockCache[] {
    return this.decoder.map(() => ({ self: undefined, cross: undefined }));
  }

  get variables(): ReadonlyMap<string, tf.Variable> {
    return this.params.variables;
  }

  dispose(): void {
    this.params.dispose();
    this.embedding.dispose();
  }
}
