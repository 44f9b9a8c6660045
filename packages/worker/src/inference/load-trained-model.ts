/**
 * A trained model and its tokenizer from a run directory (or one checkpoint inside it):
 *   <run>/tokenizer.json, <run>/spec.json, <run>/step-N/model.safetensors (config in metadata).
 * The newest usable checkpoint is taken when a run directory is given.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { loadTokenizer, type Tokenizer } from '@orquesta/data';
import { DecoderOnlyLM, loadWeights, readConfig, Seq2SeqTransformer, selectBackend, type SelectBackendOptions } from '@orquesta/model';
import type { ExperimentSpec } from '@orquesta/protocol';
import { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import { readRunSpec } from '../checkpoint/run-spec-file.js';
import { CheckpointError } from '../errors.js';

export type TrainedModel =
  | { readonly kind: 'translation'; readonly model: Seq2SeqTransformer; readonly tokenizer: Tokenizer; readonly spec: ExperimentSpec; readonly step: number }
  | { readonly kind: 'language-model'; readonly model: DecoderOnlyLM; readonly tokenizer: Tokenizer; readonly spec: ExperimentSpec; readonly step: number };

/**
 * Loads the model onto `backend`, selected with `backendOptions` (see `selectBackend`).
 * @throws {CheckpointError} when the directory holds no usable checkpoint or tokenizer.
 */
export async function loadTrainedModel(path: string, backend = 'auto', backendOptions?: SelectBackendOptions): Promise<TrainedModel> {
  const isStepDir = /^step-\d{8}$/.test(basename(path));
  const runDir = isStepDir ? dirname(path) : path;
  try {
    await stat(join(runDir, 'tokenizer.json'));
  } catch (cause) {
    throw new CheckpointError(runDir, 'has no tokenizer.json; give the run directory that training wrote (checkpoint.dir)', { cause });
  }
  const store = new CheckpointStore(runDir, Number.MAX_SAFE_INTEGER);
  const found = isStepDir ? await store.read(Number(basename(path).slice(5))) : await store.latest();
  if (!found) throw new CheckpointError(runDir, 'holds no usable checkpoint (step-NNNNNNNN directories)');
  const spec = await readRunSpec(runDir);
  const tokenizer = await loadTokenizer(join(runDir, 'tokenizer.json'));
  await selectBackend(backend, backendOptions);
  const config = readConfig(found.model);
  if (spec.task === 'translation') {
    const model = new Seq2SeqTransformer(config);
    loadWeights(model.variables, found.model);
    return { kind: 'translation', model, tokenizer, spec, step: found.step };
  }
  const model = new DecoderOnlyLM(config);
  loadWeights(model.variables, found.model);
  return { kind: 'language-model', model, tokenizer, spec, step: found.step };
}
