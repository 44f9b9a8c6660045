/**
 * Each value a search tries must itself be a valid value of its field: a grid over
 * `model.heads: [4, 0]` fails at validation time, not hours later when trial 2 starts.
 */
import { schemaErrors } from './schema-validator.js';
import { issuesFromAjv, type FieldIssue } from './schema-messages.js';
import { setIn } from './set-in.js';

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
