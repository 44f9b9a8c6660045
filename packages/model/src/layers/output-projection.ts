import type * as tf from '@tensorflow/tfjs-core';
import { matMul } from '../ops/mat-mul.js';
import type { ParameterStore } from '../parameters.js';
import type { Embedding } from './embedding.js';

/** Hidden states to vocabulary logits, through the transposed input embedding when tied. */
export class OutputProjection {
  private readonly weight: tf.Variable | undefined; // [D, V] when untied

  constructor(
    store: ParameterStore,
    name: string,
    private readonly embedding: Embedding,
    dModel: number,
    vocabSize: number,
    tied: boolean,
  ) {
    this.weight = tied ? undefined : store.create(`${name}.weight`, [dModel, vocabSize], { kind: 'xavier' });
  }

  /** [N, D] -> [N, V] */
  apply(hidden: tf.Tensor2D): tf.Tensor2D {
    if (this.weight) return matMul(hidden, this.weight); // [N, D] . [D, V]
    return matMul(hidden, this.embedding.table, false, true); // [N, D] . [V, D]^T
  }
}
