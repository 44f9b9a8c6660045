/**
 * Dropout with reproducible, cheap randomness. Each call's mask comes from a generator
 * (`xorshift128Plus` of @orquesta/data) seeded by `mixSeeds(model seed, training step, call
 * index in the step)`, so a resumed run and every data-parallel replica given the same
 * (seed, step) draw the same masks. The mask (0 or 1/(1-rate)) is built
 * in one pass in JS and applied with one multiply; its custom gradient multiplies by the same
 * mask, so only the mask is kept for the backward pass (tf.dropout keeps four tensors and draws
 * its numbers through a much slower generator). Where the native kernels are built the same
 * generator runs natively (bit-identical masks, about ten times faster); on wasm-native it
 * writes the mask straight into the tensor's memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mixSeeds, xorshift128Plus } from '@orquesta/data';
import { FUSED_KERNELS, nativeKeepMask, nativeKernelsAvailable } from '@orquesta/kernels';
import { fusedNativeKernels } from '../backend/product-style.js';

type CustomGradient = Parameters<typeof tf.customGrad>[0];

const maskedMultiply = tf.customGrad(((x: tf.Tensor, mask: tf.Tensor, save: tf.GradSaveFunc) => {
  save([mask]);
  return {
    value: tf.mul(x, mask),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [m] = saved as [tf.Tensor];
      return [tf.mul(dy as tf.Tensor, m), tf.zerosLike(m)];
    },
  };
}) as unknown as CustomGradient);

/** The keep mask in JS: 0 with probability `rate`, else 1 / (1 - rate). */
export function jsKeepMask(size: number, seed: number, rate: number): Float32Array {
  const random = xorshift128Plus(seed);
  const keep = 1 / (1 - rate);
  const mask = new Float32Array(size);
  for (let i = 0; i < size; i++) mask[i] = random() < rate ? 0 : keep;
  return mask;
}

const useNative = nativeKernelsAvailable();

export class DropoutRng {
  private step = 0;
  private call = 0;

  constructor(private readonly seed: number) {}

  /** Starts a new training step: masks from here on depend on (seed, step, call index). */
  beginStep(step: number): void {
    this.step = step;
    this.call = 0;
  }

  /** A keep mask of `size` values: 0 with probability `rate`, else 1 / (1 - rate). */
  nextMask(size: number, rate: number): Float32Array {
    const seed = this.nextSeed();
    if (useNative) return nativeKeepMask(size, seed, rate);
    return jsKeepMask(size, seed, rate);
  }

  private nextSeed(): number {
    return mixSeeds(this.seed, this.step, this.call++);
  }

  apply<T extends tf.Tensor>(x: T, rate: number, training: boolean): T {
    if (!training || rate === 0) return x;
    const mask = fusedNativeKernels()
      ? (tf.engine().runKernel(FUSED_KERNELS.keepMask, {}, { shape: x.shape, seed: this.nextSeed(), rate }) as tf.Tensor)
      : tf.tensor(this.nextMask(x.size, rate), x.shape, 'float32');
    return maskedMultiply(x, mask) as T;
  }
}
