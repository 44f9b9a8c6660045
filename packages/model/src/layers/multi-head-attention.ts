import * as tf from '@tensorflow/tfjs-core';
import type { ParameterStore } from '../parameters.js';
import { scaledDotProductAttention } from './attention.js';
import { Linear } from './linear.js';

/** Keys and values already projected and split into heads: [B, H, Tk, dh] each. */
export interface KeyValues {
  readonly k: tf.Tensor4D;
  readonly v: tf.Tensor4D;
}

/**
 * Multi-head attention with query, key, value and output projections (D -> D each).
 * (Fusing q, k and v into one matmul was measured slower on wasm: slicing the fused output
 * costs more than the matmul saves.)
 */
export class MultiHeadAttention {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  private readonly dh: number;

  constructor(
    store: ParameterStore,
    name: string,
    private readonly dModel: number,
    private readonly heads: number,
  ) {
    this.q = new Linear(store, `${name}.q`, dModel, dModel);
    this.k = new Linear(store, `${name}.k`, dModel, dModel);
    this.v = new Linear(store, `${name}.v`, dModel, dModel);
    this.o = new Linear(store, `${name}.o`, dModel, dModel);
    this.dh = dModel / heads;
  }

  /** [B, T, D] -> [B, H, T, dh] */
  private splitHeads(x: tf.Tensor, b: number, t: number): tf.Tensor4D {
    return tf.transpose(tf.reshape(x, [b, t, this.heads, this.dh]), [0, 2, 1, 3]);
  }

  /** Projects `x` [B, T, D] through each of `linears` -> one [B, H, T, dh] per linear. */
  private project(x: tf.Tensor3D, linears: readonly Linear[]): tf.Tensor4D[] {
    const [b, t] = x.shape;
    return linears.map((l) => this.splitHeads(l.apply(x), b, t));
  }

  /** Self-attention projections of `x` [B, T, D]: queries and keys/values, [B, H, T, dh] each. */
  selfProjections(x: tf.Tensor3D): { q: tf.Tensor4D; kv: KeyValues } {
    const [q, k, v] = this.project(x, [this.q, this.k, this.v]) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    return { q, kv: { k, v } };
  }

  /** Keys and values of a source [B, Tk, D] (cross-attention over the encoder output). */
  keyValues(source: tf.Tensor3D): KeyValues {
    const [k, v] = this.project(source, [this.k, this.v]) as [tf.Tensor4D, tf.Tensor4D];
    return { k, v };
  }

  /** Queries of `x` [B, Tq, D] -> [B, H, Tq, dh]. */
  queries(x: tf.Tensor3D): tf.Tensor4D {
    return this.project(x, [this.q])[0]!;
  }

  /**
   * @param q queries [B, H, Tq, dh]
   * @param kv keys and values [B, H, Tk, dh] (possibly cached)
   * @param bias additive mask broadcastable to [B, H, Tq, Tk]
   * @returns [B, Tq, D]
   */
  attend(q: tf.Tensor4D, kv: KeyValues, bias: tf.Tensor | undefined, dropWeights?: (w: tf.Tensor4D) => tf.Tensor4D): tf.Tensor3D {
    const [b, , tq] = q.shape;
    const heads = scaledDotProductAttention(q, kv.k, kv.v, bias, dropWeights); // [B, H, Tq, dh]
    const merged = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [b, tq, this.dModel]); // [B, Tq, D]
    return this.o.apply(merged) as tf.Tensor3D;
  }
}
