import * as tf from '@tensorflow/tfjs-core';
import type { TrainableModel, TrainBatch } from './trainable-model.js';

export interface MicroStepResult {
  /** Summed (not averaged) loss of the micro-batch. */
  readonly lossSum: number;
  /** Target tokens the loss covers. */
  readonly tokens: number;
}

/**
 * Forward and backward on one micro-batch: adds d(loss sum)/d(param) into `into` (one array per
 * variable, in the model's variable order), or writes it there when `overwrite` (the first
 * micro-batch of a step). Summed losses let ranks average by the global token
 * count after the all-reduce.
 */
export async function accumulateGradients(model: TrainableModel, batch: TrainBatch, labelSmoothing: number, into: readonly Float32Array[], overwrite = false): Promise<MicroStepResult> {
  const vars = [...model.variables.values()];
  let tokens = 0;
  const { value, grads } = tf.variableGrads(() => {
    const { sum, count } = model.loss(batch, labelSmoothing, true);
    tokens = count;
    return sum;
  }, vars);
  try {
    const lossSum = (await value.data())[0]!;
    for (const [i, v] of vars.entries()) {
      const g = grads[v.name];
      if (!g) throw new Error(`no gradient for ${v.name}`);
      const data = (await g.data()) as Float32Array;
      const acc = into[i]!;
      if (overwrite) acc.set(data);
      else for (let j = 0; j < acc.length; j++) acc[j] = acc[j]! + data[j]!;
    }
    return { lossSum, tokens };
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}
