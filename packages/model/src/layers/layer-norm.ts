import type * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from '../ops/layer-norm-op.js';
import type { ParameterStore } from '../parameters.js';

/** Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta. */
export class LayerNorm {
  readonly gamma: tf.Variable; // [D]
  readonly beta: tf.Variable; // [D]

  constructor(
    store: ParameterStore,
    name: string,
    dim: number,
    private readonly eps = 1e-5,
  ) {
    this.gamma = store.create(`${name}.weight`, [dim], { kind: 'constant', value: 1 });
    this.beta = store.create(`${name}.bias`, [dim], { kind: 'constant', value: 0 });
  }

  /** [..., D] -> [..., D] */
  apply(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.gamma, this.beta, this.eps);
  }
}
