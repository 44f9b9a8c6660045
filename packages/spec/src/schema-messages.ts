/**
 * Turns ajv's errors into one user-facing message per problem: the field path, where to point
 * in the file (the key or the value), and a message that quotes the bad value.
 */
import type { ErrorObject } from 'ajv';
import { suggestion } from './did-you-mean.js';
import { showValue } from './show-value.js';
import { fromJsonPointer, type FieldPath } from './source-map.js';

export interface FieldIssue {
  readonly path: FieldPath;
  /** Point at the key (unknown or missing fields) or at the value. */
  readonly anchor: 'key' | 'value';
  readonly message: string;
}

const COMPARISONS: Record<string, string> = {
  minimum: '>=',
  maximum: '<=',
  exclusiveMinimum: '>',
  exclusiveMaximum: '<',
};

export function issuesFromAjv(errors: readonly ErrorObject[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  // Branch failures of anyOf/oneOf/if repeat what their branches said; keep them only when alone.
  const pathsWithDetail = new Set(errors.filter((e) => !isCombinator(e)).map((e) => e.instancePath));
  for (const error of errors) {
    if (isCombinator(error) && pathsWithDetail.has(error.instancePath)) continue;
    const issue = describe(error);
    const key = `${issue.path.join('.')}|${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function isCombinator(e: ErrorObject): boolean {
  return e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if';
}

function describe(error: ErrorObject): FieldIssue {
  const path = fromJsonPointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const got = `got ${showValue(error.data)}`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params['additionalProperty']);
      const known = Object.keys((error.parentSchema?.['properties'] as object | undefined) ?? {});
      const hint = suggestion(name, known) || (known.length > 0 ? `; known fields: ${known.join(', ')}` : '');
      return { path: [...path, name], anchor: 'key', message: `unknown field "${name}"${hint}` };
    }
    case 'required': {
      const name = String(params['missingProperty']);
      return { path: [...path, name], anchor: 'key', message: `missing required field "${name}"` };
    }
    case 'type':
      return { path, anchor: 'value', message: `must be ${article(String(params['type']))}, ${got}` };
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String);
      const hint = typeof error.data === 'string' ? suggestion(error.data, allowed) : '';
      return { path, anchor: 'value', message: `must be one of ${allowed.join(' | ')}, ${got}${hint}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, anchor: 'value', message: `must be ${COMPARISONS[error.keyword]} ${String(params['limit'])}, ${got}` };
    case 'pattern': {
      const description = error.parentSchema?.['description'];
      const rule = typeof description === 'string' ? description.replace(/\s*(Required|Defaults to)[^.]*\.$/, '') : `must match ${String(params['pattern'])}`;
      return { path, anchor: 'value', message: `invalid value ${showValue(error.data)}: ${rule}` };
    }
    case 'minLength':
      return {
        path,
        anchor: 'value',
        message: Number(params['limit']) === 1 ? `must not be empty, ${got}` : `must be at least ${String(params['limit'])} characters, ${got}`,
      };
    case 'maxLength':
      return { path, anchor: 'value', message: `must be at most ${String(params['limit'])} characters, got ${String(error.data).length}` };
    case 'minItems':
    case 'maxItems': {
      const bound = error.keyword === 'minItems' ? 'at least' : 'at most';
      const count = Array.isArray(error.data) ? error.data.length : 0;
      return { path, anchor: 'value', message: `must have ${bound} ${String(params['limit'])} items, got ${count}: ${showValue(error.data)}` };
    }
    case 'minProperties':
      return { path, anchor: 'value', message: `must not be empty, ${got}` };
    case 'propertyNames':
      return { path, anchor: 'value', message: `invalid key ${showValue(params['propertyName'])}` };
    default:
      return { path, anchor: 'value', message: `${error.message ?? 'is invalid'}, ${got}` };
  }
}

function article(type: string): string {
  const readable = type.replace(/,/g, ' or ');
  return /^[aeiou]/.test(readable) ? `an ${readable}` : `a ${readable}`;
}
