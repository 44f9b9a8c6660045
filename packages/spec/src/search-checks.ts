/**
 * The search section's rules beyond the schema: each parameter names a searchable field and every
 * value it can take is valid for that field; ranges only where values are drawn (random, asha);
 * ASHA's rungs land on evaluation steps and its metric is one the trials report.
 */
import { ExperimentSpecSchema, type ExperimentSpec, type SearchSpec, type SearchValues } from '@orquesta/protocol';
import { ashaRungs } from './asha-rungs.js';
import { suggestion } from './did-you-mean.js';
import type { FieldIssue } from './schema-messages.js';
import { searchValueIssues } from './search-values.js';

/** The part of a JSON Schema the field walk reads. */
interface SchemaNode {
  readonly type?: unknown;
  readonly [keyword: string]: unknown;
  readonly properties?: Record<string, SchemaNode>;
}

/** @param raw the spec as written (before defaults), to tell set fields from defaulted ones. */
export function searchIssues(spec: ExperimentSpec, raw: Record<string, unknown>): FieldIssue[] {
  const search = spec.search;
  if (!search) return [];
  const written = (raw['search'] ?? {}) as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  const drawn = search.kind === 'random' || (search.kind === 'asha' && search.sampler === 'random');
  for (const [field, values] of Object.entries(search.parameters)) {
    const problem = fieldProblem(field.split('.'));
    if (problem) issues.push({ path: ['search', 'parameters', field], anchor: 'key', message: problem });
    else issues.push(...valueIssues(field, values, drawn, search, raw));
  }
  if (search.kind === 'grid')
    for (const key of ['max_trials', 'max_steps', 'min_steps', 'reduction_factor', 'metric', 'sampler'] as const)
      if (key in written)
        issues.push({ path: ['search', key], anchor: 'key', message: `${key} applies to kind random or asha; a grid runs every combination to the end` });
  if (search.kind === 'random')
    for (const key of ['max_steps', 'min_steps', 'reduction_factor', 'metric', 'sampler'] as const)
      if (key in written) issues.push({ path: ['search', key], anchor: 'key', message: `${key} applies to kind asha` });
  if (search.kind === 'asha') issues.push(...ashaIssues(spec, search));
  issues.push(...warmupIssues(spec, search));
  return issues;
}

/** Each searched warmup must end before the trial does (semantic-checks.ts checks an unsearched one). */
function warmupIssues(spec: ExperimentSpec, search: SearchSpec): FieldIssue[] {
  const values = search.parameters['optimizer.warmup_steps'];
  if (values === undefined || 'training.max_steps' in search.parameters) return [];
  const steps = search.kind === 'asha' ? (search.max_steps ?? spec.training.max_steps) : spec.training.max_steps;
  const highest = Array.isArray(values)
    ? Math.max(...values.filter((v): v is number => typeof v === 'number'))
    : 'int' in values
      ? values.int[1]
      : (values as { max: number }).max;
  if (highest < steps) return [];
  return [
    {
      path: ['search', 'parameters', 'optimizer.warmup_steps'],
      anchor: 'value',
      message: `a trial would warm up for ${highest} steps of its ${steps}; every warmup must be below the trial's max_steps, or the learning rate never reaches its peak`,
    },
  ];
}

function valueIssues(field: string, values: SearchValues, drawn: boolean, search: SearchSpec, raw: Record<string, unknown>): FieldIssue[] {
  const at = ['search', 'parameters', field];
  if (Array.isArray(values)) return searchValueIssues(field, values, raw);
  const why = search.kind === 'grid' ? 'a grid tries listed values only' : 'asha with sampler grid tries listed values only';
  if (!drawn) return [{ path: at, anchor: 'value', message: `a range needs search.kind random or asha (sampler random); ${why}` }];
  if ('int' in values) {
    const [low, high] = values.int;
    if (low > high)
      return [{ path: [...at, 'int'], anchor: 'value', message: `int range [${low}, ${high}] is empty: the first end must not exceed the second` }];
    return searchValueIssues(field, [low, high], raw);
  }
  const range = values as Exclude<SearchValues, readonly unknown[] | { int: unknown }>;
  if (range.min >= range.max) return [{ path: [...at, 'max'], anchor: 'value', message: `max ${range.max} must be above min ${range.min}` }];
  if (range.scale === 'log' && range.min <= 0) return [{ path: [...at, 'min'], anchor: 'value', message: `a log range needs min above 0, got ${range.min}` }];
  if (fieldType(field.split('.')) === 'integer') return [{ path: at, anchor: 'value', message: `${field} is an integer field; draw it from {int: [a, b]}` }];
  return searchValueIssues(field, [range.min, range.max], raw);
}

function ashaIssues(spec: ExperimentSpec, search: SearchSpec): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const rungs = ashaRungs(search, spec.training);
  if (!rungs.ok) issues.push({ path: ['search', rungs.field], anchor: 'value', message: rungs.message });
  if (spec.data.valid === undefined && (spec.data.holdout ?? 0) === 0)
    issues.push({
      path: ['search', 'kind'],
      anchor: 'value',
      message: 'asha ranks trials by validation results: set data.valid (or data.holdout for a language model)',
    });
  if (search.metric === 'bleu' && (spec.task !== 'translation' || spec.training.eval_bleu_sentences === 0))
    issues.push({
      path: ['search', 'metric'],
      anchor: 'value',
      message: 'bleu is measured for translation with training.eval_bleu_sentences above 0; use validation_loss',
    });
  if (search.sampler === 'grid' && search.max_trials !== undefined) {
    const size = Object.values(search.parameters).reduce((n: number, v) => n * (Array.isArray(v) ? v.length : 1), 1);
    if (search.max_trials > size)
      issues.push({ path: ['search', 'max_trials'], anchor: 'value', message: `max_trials ${search.max_trials} is more than the grid's ${size} points` });
  }
  return issues;
}

/** Why a dotted path names no searchable field of the spec, or undefined when it does. */
function fieldProblem(parts: readonly string[]): string | undefined {
  let schema = ExperimentSpecSchema as SchemaNode;
  for (const [i, part] of parts.entries()) {
    const { properties } = schema;
    const where = parts.slice(0, i).join('.') || 'the spec';
    if (!properties) return `${parts.join('.')} names no spec field: ${where} has no sub-fields`;
    const next = properties[part];
    if (!next) return `${parts.join('.')} names no spec field: ${where} has no "${part}"${suggestion(part, Object.keys(properties))}`;
    schema = next;
  }
  if (schema.type === 'object') return `${parts.join('.')} is a section, not a field; search a field inside it`;
  if (parts[0] === 'search' || parts[0] === 'name') return `${parts.join('.')} cannot be searched`;
  return undefined;
}

/** The JSON Schema type of a field that `fieldProblem` accepted. */
function fieldType(parts: readonly string[]): unknown {
  let schema = ExperimentSpecSchema as SchemaNode;
  for (const part of parts) schema = schema.properties?.[part] ?? {};
  return schema.type;
}
