/**
 * Each value a search tries must itself be a valid value of its field: a grid over
 * `model.heads: [4, 0]` fails at validation time, not hours later when trial 2 starts.
 */
import { schemaErrors } from './schema-validator.js';
import { issuesFromAjv, type FieldIssue } from './schema-messages.js';

export function searchValueIssues(field: string, values: readonly unknown[], raw: Record<string, unknown>): FieldIssue[] {
  const parts = field.split('.');
  return values.flatMap((candidate, index) => {
    const trial = structuredClone(raw);
    delete trial['search'];
    setIn(trial, parts, candidate);
    const own = issuesFromAjv(schemaErrors(trial).errors).filter((issue) => issue.path.join('.') === field);
    return own.map((issue): FieldIssue => ({
      path: ['search', 'parameters', field, index],
      anchor: 'value',
      message: `trial value for ${field}: ${issue.message}`,
    }));
  });
}

function setIn(target: Record<string, unknown>, parts: readonly string[], value: unknown): void {
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) ?? ''] = value;
}
