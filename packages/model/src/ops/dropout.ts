/**
 * Dropout with reproducible randomness: each call draws its mask from a seed derived from the
 * model seed, the training step and the call's position in the step, so a resumed run and
 * every data-parallel replica given the same (seed, step) draw the same masks.
 */
import * as tf from '@tensorflow/tfjs-core';

export class DropoutRng {
  private step = 0;
  private call = 0;

  constructor(private readonly seed: number) {}

  /** Starts a new training step: masks from here on depend on (seed, step, call index). */
  beginStep(step: number): void {
    this.step = step;
    this.call = 0;
  }

  nextSeed(): string {
    return `${this.seed}/${this.step}/${this.call++}`;
  }

  apply<T extends tf.Tensor>(x: T, rate: number, training: boolean): T {
    if (!training || rate === 0) return x;
    return tf.dropout(x, rate, undefined, this.nextSeed()) as T;
  }
}
