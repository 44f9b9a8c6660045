import * as tf from '@tensorflow/tfjs-core';
import { affine } from '../ops/affine.js';
import { matMul } from '../ops/mat-mul.js';
import type { ParameterStore } from '../parameters.js';

/** y = x W + b, with W stored [in, out] (PyTorch's nn.Linear stores it transposed). */
export class Linear {
  readonly weight: tf.Variable; // [in, out]
  readonly bias: tf.Variable | undefined; // [out]

  constructor(
    store: ParameterStore,
    name: string,
    readonly inDim: number,
    readonly outDim: number,
    withBias = true,
  ) {
    this.weight = store.create(`${name}.weight`, [inDim, outDim], { kind: 'xavier' });
    this.bias = withBias ? store.create(`${name}.bias`, [outDim], { kind: 'constant', value: 0 }) : undefined;
  }

  /** [..., in] -> [..., out] */
  apply(x: tf.Tensor): tf.Tensor {
    const lead = x.shape.slice(0, -1);
    const flat = tf.reshape(x, [-1, this.inDim]) as tf.Tensor2D; // [N, in]
    const y = this.bias ? affine(flat, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D) : matMul(flat, this.weight); // [N, out]
    return tf.reshape(y, [...lead, this.outDim]);
  }
}
