/**
 * The model's trainable variables by name, in a fixed creation order (the order gradients are
 * bucketed, all-reduced and checkpointed in). Initialisation is deterministic: each variable's
 * random stream is seeded from (model seed, variable name).
 */
import * as tf from '@tensorflow/tfjs-core';

export type Init = { readonly kind: 'xavier' } | { readonly kind: 'normal'; readonly std: number } | { readonly kind: 'constant'; readonly value: number };

export class ParameterStore {
  private readonly vars = new Map<string, tf.Variable>();

  constructor(private readonly seed: number) {}

  create(name: string, shape: number[], init: Init): tf.Variable {
    if (this.vars.has(name)) throw new Error(`duplicate parameter name ${name}`);
    const seed = hashSeed(`${this.seed}:${name}`);
    const value = tf.tidy(() => {
      switch (init.kind) {
        case 'xavier': {
          // Glorot uniform over the first and last dims: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
          const limit = Math.sqrt(6 / ((shape[0] ?? 1) + (shape[shape.length - 1] ?? 1)));
          return tf.randomUniform(shape, -limit, limit, 'float32', seed);
        }
        case 'normal':
          return tf.randomNormal(shape, 0, init.std, 'float32', seed);
        case 'constant':
          return tf.fill(shape, init.value);
      }
    });
    const variable = tf.variable(value, true);
    value.dispose();
    this.vars.set(name, variable);
    return variable;
  }

  /** Variables in creation order. */
  get variables(): ReadonlyMap<string, tf.Variable> {
    return this.vars;
  }

  get count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** FNV-1a 32-bit of a string: a stable per-parameter seed. */
function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
