import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { embeddingLookup } from './embedding-lookup.js';

const ids = [3, 1, 3, 0, 3, 2]; // repeated ids must add up in the gradient

async function gradients(backend: string) {
  await selectBackend(backend);
  const table = tf.randomNormal([5, 4], 0, 1, 'float32', 7) as tf.Tensor2D;
  const index = tf.tensor1d(ids, 'int32');
  const dy = tf.randomNormal([ids.length, 4], 0, 1, 'float32', 8);
  const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t as tf.Tensor2D, index), dy)))(table);
  return { table, index, dy, ours: ours.arraySync() as number[][] };
}

describe('embeddingLookup', () => {
  it('matches the gather gradient on cpu, summing repeated ids', async () => {
    const { table, index, dy, ours } = await gradients('cpu');
    const native = tf
      .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, index), dy)))(table)
      .arraySync() as number[][];
    for (let r = 0; r < 5; r++) for (let c = 0; c < 4; c++) expect(ours[r]![c]).toBeCloseTo(native[r]![c]!, 5);
    expect(ours[4]).toEqual([0, 0, 0, 0]); // id 4 is never looked up
  });

  it('works on wasm, which has no UnsortedSegmentSum kernel, with the same result', async () => {
    const cpu = (await gradients('cpu')).ours;
    const wasm = (await gradients('wasm')).ours;
    for (let r = 0; r < 5; r++) for (let c = 0; c < 4; c++) expect(wasm[r]![c]).toBeCloseTo(cpu[r]![c]!, 5);
  });
});
