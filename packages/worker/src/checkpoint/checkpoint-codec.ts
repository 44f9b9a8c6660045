/**
 * A trainer snapshot to checkpoint files and back: parameters as safetensors named like the
 * model's variables (with the model config in the metadata, readable by PyTorch), optimizer
 * moments as safetensors (`m.<name>`, `v.<name>`), and the step and data-iterator state as JSON.
 */
import { decodeSafetensors, encodeSafetensors, CONFIG_KEY, type NamedArray, type TransformerConfig } from '@orquesta/model';
import { CheckpointError } from '../errors.js';
import type { TrainerSnapshot } from '../train/trainer.js';
import type { CheckpointFiles, FoundCheckpoint } from './checkpoint-store.js';

export const CHECKPOINT_STATE_VERSION = 1;

export interface CheckpointState {
  readonly version: number;
  readonly step: number;
  readonly optimizerStep: number;
  readonly experiment: string;
  readonly task: string;
  readonly worldSize: number;
  /** The train iterator's state after the last batch of `step`. */
  readonly data: unknown;
}

export function encodeCheckpoint(
  snapshot: TrainerSnapshot,
  names: readonly string[],
  shapes: readonly (readonly number[])[],
  config: TransformerConfig,
  state: Omit<CheckpointState, 'version' | 'step' | 'optimizerStep'>,
): CheckpointFiles {
  const weights = new Map<string, NamedArray>(names.map((name, i) => [name, { dtype: 'F32', shape: shapes[i]!, data: snapshot.params[i]! }]));
  const moments = new Map<string, NamedArray>();
  names.forEach((name, i) => {
    const m = snapshot.optimizer.m[i];
    const v = snapshot.optimizer.v[i];
    if (m) moments.set(`m.${name}`, { dtype: 'F32', shape: shapes[i]!, data: m });
    if (v) moments.set(`v.${name}`, { dtype: 'F32', shape: shapes[i]!, data: v });
  });
  return {
    model: encodeSafetensors(weights, { [CONFIG_KEY]: JSON.stringify(config), format: 'pt' }),
    optimizer: encodeSafetensors(moments, { step: String(snapshot.optimizer.step) }),
    state: { version: CHECKPOINT_STATE_VERSION, step: snapshot.step, optimizerStep: snapshot.optimizer.step, ...state } satisfies CheckpointState,
  };
}

/** @throws {CheckpointError} when the checkpoint does not fit the model's variables. */
export function decodeCheckpoint(
  found: FoundCheckpoint,
  names: readonly string[],
  sizes: readonly number[],
): { snapshot: TrainerSnapshot; state: CheckpointState } {
  const state = found.state as CheckpointState;
  if (state?.version !== CHECKPOINT_STATE_VERSION)
    throw new CheckpointError(found.path, `state.json version ${String(state?.version)} is not ${CHECKPOINT_STATE_VERSION}`);
  const weights = decodeSafetensors(found.model).tensors;
  const moments = decodeSafetensors(found.optimizer).tensors;
  const pick = (map: Map<string, NamedArray>, name: string, size: number, optional: boolean): Float32Array | undefined => {
    const t = map.get(name);
    if (!t) {
      if (optional) return undefined;
      throw new CheckpointError(found.path, `has no tensor ${name}`);
    }
    if (t.data.length !== size) throw new CheckpointError(found.path, `tensor ${name} has ${t.data.length} values, the model ${size}`);
    return t.data as Float32Array;
  };
  const params = names.map((n, i) => pick(weights, n, sizes[i]!, false)!);
  const m = names.map((n, i) => pick(moments, `m.${n}`, sizes[i]!, true)).filter((x): x is Float32Array => x !== undefined);
  const v = names.map((n, i) => pick(moments, `v.${n}`, sizes[i]!, true)).filter((x): x is Float32Array => x !== undefined);
  return { snapshot: { step: state.step, params, optimizer: { step: state.optimizerStep, m, v } }, state };
}
