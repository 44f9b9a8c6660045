import * as tf from '@tensorflow/tfjs-core';
import type { TransformerConfig } from '../config.js';
import { embeddingLookup } from '../ops/embedding-lookup.js';
import type { ParameterStore } from '../parameters.js';
import { sinusoidalTable } from './positional-encoding.js';

/** Token embeddings scaled by sqrt(D), plus positions (sinusoidal constants or learned). */
export class Embedding {
  readonly table: tf.Variable; // [V, D]
  private readonly positions: tf.Tensor2D; // [maxLen, D]
  private readonly scale: number;

  constructor(
    store: ParameterStore,
    name: string,
    private readonly config: TransformerConfig,
  ) {
    this.table = store.create(`${name}.weight`, [config.vocabSize, config.dModel], { kind: 'normal', std: Math.pow(config.dModel, -0.5) });
    this.positions =
      config.positional === 'learned'
        ? (store.create(`${name}.positions`, [config.maxLen, config.dModel], { kind: 'normal', std: 0.02 }) as tf.Tensor2D)
        : tf.keep(sinusoidalTable(config.maxLen, config.dModel));
    this.scale = Math.sqrt(config.dModel);
  }

  /**
   * @param ids [B, T] int32
   * @param offset position of the first token (incremental decoding)
   * @returns [B, T, D]
   */
  apply(ids: tf.Tensor2D, offset = 0): tf.Tensor3D {
    const [b, t] = ids.shape;
    const { dModel, maxLen } = this.config;
    if (offset + t > maxLen) throw new RangeError(`sequence of ${offset + t} tokens exceeds max_len ${maxLen}`);
    const tokens = tf.reshape(embeddingLookup(this.table as tf.Tensor2D, tf.reshape(ids, [-1]) as tf.Tensor1D), [b, t, dModel]); // [B, T, D]
    const pos = tf.slice(this.positions, [offset, 0], [t, dModel]); // [T, D]
    return tf.add(tf.mul(tokens, this.scale), pos) as tf.Tensor3D;
  }

  /** Frees the constant position table (variables are owned by the store). */
  dispose(): void {
    if (this.config.positional !== 'learned') this.positions.dispose();
  }
}
