/**
 * A trainer snapshot to checkpoint files and back (written from views of the arrays and the optimizer's stream, no copy): parameters as safetensors named like the
 * model's variables (with the model config in the metadata, readable by PyTorch), optimizer
 * moments as safetensors (`m.<name>`, `v.<name>`), and the step and data-iterator state as JSON.
 */
import { decodeSafetensors, encodeSafetensorsParts, safetensorsPrefix, CONFIG_KEY, type NamedArray, type TransformerConfig } from '@orquesta/model';
import { CheckpointError } from '../errors.js';
import type { OptimizerStream } from '../optim/optimizer-stream.js';
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
  snapshot: Pick<TrainerSnapshot, 'step' | 'params'>,
  optimizer: OptimizerStream,
  names: readonly string[],
  shapes: readonly (readonly number[])[],
  config: TransformerConfig,
  state: Omit<CheckpointState, 'version' | 'step' | 'optimizerStep'>,
): CheckpointFiles {
  const weights = new Map<string, NamedArray>(names.map((name, i) => [name, { dtype: 'F32', shape: shapes[i]!, data: snapshot.params[i]! }]));
  const prefix = safetensorsPrefix(
    optimizer.entries.map((e) => ({ name: `${e.kind}.${names[e.param]}`, dtype: 'F32' as const, shape: shapes[e.param]! })),
    { step: String(optimizer.step) },
  );
  return {
    model: encodeSafetensorsParts(weights, { [CONFIG_KEY]: JSON.stringify(config), format: 'pt' }),
    optimizer: (async function* () {
      yield prefix;
      for await (const chunk of optimizer.chunks()) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    })(),
    state: { version: CHECKPOINT_STATE_VERSION, step: snapshot.step, optimizerStep: optimizer.step, ...state } satisfies CheckpointState,
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
