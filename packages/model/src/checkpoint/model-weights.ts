/**
 * A model's variables to and from safetensors bytes, with the model config in the metadata
 * (key `orquesta.config`, JSON) so a checkpoint alone rebuilds its model. Linear weights are
 * stored [in, out] as the model holds them (PyTorch's nn.Linear holds [out, in]).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TransformerConfig } from '../config.js';
import { CheckpointFormatError } from '../errors.js';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors.js';

export const CONFIG_KEY = 'orquesta.config';

export async function saveWeights(
  variables: ReadonlyMap<string, tf.Variable>,
  config: TransformerConfig,
  extra: Record<string, string> = {},
): Promise<Uint8Array> {
  const tensors = new Map<string, NamedArray>();
  for (const [name, v] of variables) tensors.set(name, { dtype: 'F32', shape: v.shape, data: (await v.data()) as Float32Array });
  return encodeSafetensors(tensors, { ...extra, [CONFIG_KEY]: JSON.stringify(config), format: 'pt' });
}

/** Reads the config stored with the weights. @throws {CheckpointFormatError} */
export function readConfig(bytes: Uint8Array): TransformerConfig {
  const json = decodeSafetensors(bytes).metadata[CONFIG_KEY];
  if (json === undefined) throw new CheckpointFormatError(`checkpoint has no ${CONFIG_KEY} metadata`);
  return JSON.parse(json) as TransformerConfig;
}

/**
 * Assigns every variable from the file. @throws {CheckpointFormatError} when a variable is
 * missing, extra, or of another shape.
 */
export function loadWeights(variables: ReadonlyMap<string, tf.Variable>, bytes: Uint8Array): void {
  const { tensors } = decodeSafetensors(bytes);
  for (const [name, v] of variables) {
    const t = tensors.get(name);
    if (!t) throw new CheckpointFormatError(`checkpoint has no tensor ${name}`);
    if (t.shape.join(',') !== v.shape.join(','))
      throw new CheckpointFormatError(`tensor ${name}: checkpoint shape [${t.shape.join(', ')}], model [${v.shape.join(', ')}]`);
  }
  const extra = [...tensors.keys()].filter((name) => !variables.has(name));
  if (extra.length > 0) throw new CheckpointFormatError(`checkpoint has tensors the model lacks: ${extra.slice(0, 5).join(', ')}`);
  for (const [name, v] of variables) {
    const t = tensors.get(name)!;
    const value = tf.tensor(t.data, [...t.shape], 'float32');
    v.assign(value);
    value.dispose();
  }
}
