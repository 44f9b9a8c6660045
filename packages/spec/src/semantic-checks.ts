/**
 * Rules the schema cannot express. Each check reads the defaults-applied spec and returns
 * issues at the field the user should change. Pure except for the file-existence probe,
 * which is injected.
 */
import type { ExperimentSpec } from '@orquesta/protocol';
import { suggestion } from './did-you-mean.js';
import { showValue } from './show-value.js';
import type { FieldIssue } from './schema-messages.js';
import { searchIssues } from './search-checks.js';

/** Answers whether a data path names a readable regular file. */
export type FileProbe = (path: string) => 'file' | 'missing' | 'not-a-file';

/**
 * @param raw the spec as written (before defaults), to tell set fields from defaulted ones.
 */
export function semanticIssues(spec: ExperimentSpec, raw: Record<string, unknown>, probe: FileProbe): FieldIssue[] {
  return [...shapeIssues(spec), ...scheduleIssues(spec), ...taskIssues(spec, raw), ...dataIssues(spec, probe), ...searchIssues(spec, raw)];
}

function shapeIssues({ model, data, training }: ExperimentSpec): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (training.max_tokens_per_batch < data.max_len) {
    issues.push({
      path: ['training', 'max_tokens_per_batch'],
      anchor: 'value',
      message: `max_tokens_per_batch ${training.max_tokens_per_batch} cannot hold one sequence of data.max_len ${data.max_len} tokens (batches are padded to their longest); raise it or lower data.max_len`,
    });
  }
  if (model.d_model % model.heads !== 0) {
    issues.push({
      path: ['model', 'd_model'],
      anchor: 'value',
      message: `d_model ${model.d_model} is not divisible by heads ${model.heads} (${model.d_model} / ${model.heads} = ${(model.d_model / model.heads).toFixed(2)}); each head needs a whole number of features`,
    });
  }
  if (model.max_len < data.max_len) {
    issues.push({
      path: ['model', 'max_len'],
      anchor: 'value',
      message: `max_len ${model.max_len} is shorter than data.max_len ${data.max_len}; positions past ${model.max_len} would have no encoding`,
    });
  }
  return issues;
}

function scheduleIssues({ optimizer, training, search }: ExperimentSpec): FieldIssue[] {
  // A searched warmup or length is checked point by point (search-checks.ts).
  if (search && ('optimizer.warmup_steps' in search.parameters || 'training.max_steps' in search.parameters)) return [];
  if (optimizer.warmup_steps < training.max_steps) return [];
  return [
    {
      path: ['optimizer', 'warmup_steps'],
      anchor: 'value',
      message: `warmup_steps ${optimizer.warmup_steps} must be below training.max_steps ${training.max_steps}, or the learning rate never reaches its peak`,
    },
  ];
}

function taskIssues(spec: ExperimentSpec, raw: Record<string, unknown>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const { data, task } = spec;
  if (task === 'translation') {
    for (const side of ['source', 'target'] as const) {
      const lang = data[side];
      if (lang === undefined) {
        issues.push({ path: ['data', side], anchor: 'key', message: `missing required field "${side}" (translation needs a ${side} language)` });
      } else if (!(lang in data.columns)) {
        const known = Object.keys(data.columns);
        issues.push({
          path: ['data', side],
          anchor: 'value',
          message: `language ${showValue(lang)} has no column in data.columns (known: ${known.join(', ')})${suggestion(lang, known)}`,
        });
      }
    }
    if (data.source !== undefined && data.source === data.target) {
      issues.push({ path: ['data', 'target'], anchor: 'value', message: `target ${showValue(data.target)} is the same language as source` });
    }
    if (spec.model.encoder_layers === 0) {
      issues.push({ path: ['model', 'encoder_layers'], anchor: 'value', message: 'translation needs at least 1 encoder layer, got 0' });
    }
    if ((data.holdout ?? 0) > 0) {
      issues.push({ path: ['data', 'holdout'], anchor: 'value', message: 'holdout applies to language models; give translation a data.valid file' });
    }
  } else {
    if ((data.holdout ?? 0) > 0 && data.valid !== undefined) {
      issues.push({ path: ['data', 'holdout'], anchor: 'value', message: `holdout ${data.holdout} and data.valid both set; use one of them` });
    }
    const model = raw['model'];
    const setLayers = typeof model === 'object' && model !== null ? (model as Record<string, unknown>)['encoder_layers'] : undefined;
    if (typeof setLayers === 'number' && setLayers > 0) {
      issues.push({
        path: ['model', 'encoder_layers'],
        anchor: 'value',
        message: `a language-model is decoder-only; encoder_layers must be 0, got ${setLayers}`,
      });
    }
  }
  const { resources } = spec;
  if (resources.min_workers !== undefined && resources.min_workers > resources.workers) {
    issues.push({
      path: ['resources', 'min_workers'],
      anchor: 'value',
      message: `min_workers ${resources.min_workers} is more than workers ${resources.workers}`,
    });
  }
  if (resources.min_workers !== undefined && resources.min_workers < resources.workers && resources.launcher === 'slurm') {
    issues.push({
      path: ['resources', 'min_workers'],
      anchor: 'value',
      message: 'elastic training (min_workers below workers) needs the agents launcher; Slurm places the whole job',
    });
  }
  return issues;
}

function dataIssues({ data }: ExperimentSpec, probe: FileProbe): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const key of ['train', 'valid'] as const) {
    const file = data[key];
    if (file === undefined) continue;
    const found = probe(file);
    if (found === 'missing') issues.push({ path: ['data', key], anchor: 'value', message: `file not found: ${showValue(file)}` });
    if (found === 'not-a-file') issues.push({ path: ['data', key], anchor: 'value', message: `not a regular file: ${showValue(file)}` });
  }
  return issues;
}
