import type * as tf from '@tensorflow/tfjs-core';
import { activate } from '../ops/activations.js';
import type { ParameterStore } from '../parameters.js';
import { Linear } from './linear.js';

/** Position-wise feed-forward: Linear(D, Dff) -> activation -> dropout -> Linear(Dff, D). */
export class FeedForward {
  readonly up: Linear;
  readonly down: Linear;

  constructor(
    store: ParameterStore,
    name: string,
    dModel: number,
    dFf: number,
    private readonly activation: 'relu' | 'gelu',
  ) {
    this.up = new Linear(store, `${name}.up`, dModel, dFf);
    this.down = new Linear(store, `${name}.down`, dFf, dModel);
  }

  /** [B, T, D] -> [B, T, D] */
  apply(x: tf.Tensor, drop: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
    return this.down.apply(drop(activate(this.up.apply(x), this.activation)));
  }
}
