import * as tf from '@tensorflow/tfjs-core';
import type { ParameterStore } from '../parameters.js';

/** Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta. */
export class LayerNorm {
  readonly gamma: tf.Variable; // [D]
  readonly beta: tf.Variable; // [D]

  constructor(store: ParameterStore, name: string, dim: number, private readonly eps = 1e-5) {
    this.gamma = store.create(`${name}.weight`, [dim], { kind: 'constant', value: 1 });
    this.beta = store.create(`${name}.bias`, [dim], { kind: 'constant', value: 0 });
  }

  /** [..., D] -> [..., D] */
  apply(x: tf.Tensor): tf.Tensor {
    const axis = x.rank - 1;
    const mean = tf.mean(x, axis, true); // [..., 1]
    const centered = tf.sub(x, mean); // [..., D]
    const variance = tf.mean(tf.square(centered), axis, true); // [..., 1]
    const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, this.eps)));
    return tf.add(tf.mul(normed, this.gamma), this.beta);
  }
}
