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
 * count after the all-reduce. Gradients are read out from the last variable to the first (the order
 * backward produces them; on asynchronous backends the first ones are ready while later kernels
 * still run), and `onReady(i)` is called as soon as `into[i]` holds its value.
 */
export async function accumulateGradients(
  model: TrainableModel,
  batch: TrainBatch,
  labelSmoothing: number,
  into: readonly Float32Array[],
  overwrite = false,
  onReady?: (index: number) => void,
): Promise<MicroStepResult> {
  const vars = [...model.variables.values()];
  let tokens = 0;
  const { value, grads } = tf.variableGrads(() => {
    const { sum, count } = model.loss(batch, labelSmoothing, true);
    tokens = count;
    return sum;
  }, vars);
  try {
    for (let i = vars.length - 1; i >= 0; i--) {
      const v = vars[i]!;
      const g = grads[v.name];
      if (!g) throw new Error(`no gradient for ${v.name}`);
      const data = (await g.data()) as Float32Array;
      const acc = into[i]!;
      if (overwrite) acc.set(data);
      else for (let j = 0; j < acc.length; j++) acc[j] = acc[j]! + data[j]!;
      onReady?.(i);
    }
    const lossSum = (await value.data())[0]!;
    return { lossSum, tokens };
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}
