import * as tf from '@tensorflow/tfjs-core';

/** relu, or gelu in its tanh approximation (as GPT-2 and BERT implementations use). */
export function activate(x: tf.Tensor, kind: 'relu' | 'gelu'): tf.Tensor {
  if (kind === 'relu') return tf.relu(x);
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}
