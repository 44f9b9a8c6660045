import * as tf from '@tensorflow/tfjs-core';
import type { ParameterStore } from '../parameters.js';
import { scaledDotProductAttention } from './attention.js';
import { Linear } from './linear.js';

/** Keys and values already projected and split into heads: [B, H, Tk, dh] each. */
export interface KeyValues {
  readonly k: tf.Tensor4D;
  readonly v: tf.Tensor4D;
}

/** Multi-head attention with query, key, value and output projections (D -> D each). */
export class MultiHeadAttention {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  private readonly dh: number;

  constructor(store: ParameterStore, name: string, private readonly dModel: number, private readonly heads: number) {
    this.q = new Linear(store, `${name}.q`, dModel, dModel);
    this.k = new Linear(store, `${name}.k`, dModel, dModel);
    this.v = new Linear(store, `${name}.v`, dModel, dModel);
    this.o = new Linear(store, `${name}.o`, dModel, dModel);
    this.dh = dModel / heads;
  }

  /** [B, T, D] -> [B, H, T, dh] */
  private split(x: tf.Tensor): tf.Tensor4D {
    const [b, t] = x.shape as [number, number, number];
    return tf.transpose(tf.reshape(x, [b, t, this.heads, this.dh]), [0, 2, 1, 3]);
  }

  /** Projects a key/value source [B, Tk, D] into per-head keys and values. */
  keyValues(source: tf.Tensor3D): KeyValues {
    return { k: this.split(this.k.apply(source)), v: this.split(this.v.apply(source)) };
  }

  /**
   * @param query [B, Tq, D]
   * @param kv keys and values [B, H, Tk, dh] (from `keyValues`, possibly cached)
   * @param bias additive mask broadcastable to [B, H, Tq, Tk]
   * @returns [B, Tq, D]
   */
  attend(query: tf.Tensor3D, kv: KeyValues, bias: tf.Tensor | undefined, dropWeights?: (w: tf.Tensor4D) => tf.Tensor4D): tf.Tensor3D {
    const [b, tq] = query.shape;
    const heads = scaledDotProductAttention(this.split(this.q.apply(query)), kv.k, kv.v, bias, dropWeights); // [B, H, Tq, dh]
    const merged = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [b, tq, this.dModel]); // [B, Tq, D]
    return this.o.apply(merged) as tf.Tensor3D;
  }
}
