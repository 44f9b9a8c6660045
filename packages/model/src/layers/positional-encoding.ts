import * as tf from '@tensorflow/tfjs-core';

/**
 * Sinusoidal positions of "Attention Is All You Need":
 *   PE[pos, 2i] = sin(pos / 10000^(2i/D)),  PE[pos, 2i+1] = cos(pos / 10000^(2i/D)).
 * Returns a constant [maxLen, D] table (not trained).
 */
export function sinusoidalTable(maxLen: number, dModel: number): tf.Tensor2D {
  const table = new Float32Array(maxLen * dModel);
  for (let pos = 0; pos < maxLen; pos++) {
    for (let i = 0; i < dModel; i += 2) {
      const angle = pos / Math.pow(10000, i / dModel);
      table[pos * dModel + i] = Math.sin(angle);
      if (i + 1 < dModel) table[pos * dModel + i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor2d(table, [maxLen, dModel]);
}
