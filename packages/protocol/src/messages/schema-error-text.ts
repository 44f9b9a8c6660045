/**
 * Turns an ajv error (compiled with `verbose`) into one sentence that names the field by its path
 * and says what was expected and what arrived: `hello.slots must be a non-negative integer, not -1`.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';

type Schema = Readonly<Record<string, unknown>>;

/**
 * @param root what the value is, the start of the path (a message type such as `hello`).
 * @param errors a validator's errors; the last one is the failing keyword (those before it are
 *   the failed branches of an `anyOf`, which the last one sums up).
 */
export function schemaErrorText(root: string, errors: readonly ErrorObject[] | null | undefined): string {
  const error = errors?.[errors.length - 1];
  if (error === undefined) return `${root} is invalid`;
  const at = root + jsonPointerToPath(error.instancePath);
  const parent = (error.parentSchema ?? {}) as Schema;
  if (error.keyword === 'required') {
    const missing = String(error.params['missingProperty']);
    const field = ((parent['properties'] ?? {}) as Record<string, Schema>)[missing];
    return `${at}${key(missing)} must be ${field ? expected(field) : 'present'}, but is missing`;
  }
  if (error.keyword === 'discriminator') {
    const tags = ((parent['oneOf'] ?? []) as Schema[]).map((branch) => ((branch['properties'] ?? {}) as Record<string, Schema>)['type']?.['const']);
    const tag = (error.data as Record<string, unknown> | undefined)?.['type'];
    return `${at}.type must be one of ${tags.join(', ')}, ${tag === undefined ? 'but is missing' : `not ${preview(tag)}`}`;
  }
  return `${at} must be ${expected(parent, error.keyword)}, not ${preview(error.data)}`;
}

/** `/workers/0/env/RANK` as `.workers[0].env.RANK`. */
function jsonPointerToPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : key(part)))
    .join('');
}

function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** What a schema accepts, as a noun phrase ("a non-empty string", "an integer or null"). */
function expected(schema: Schema, keyword?: string, plural = false): string {
  if (typeof schema['description'] === 'string') return schema['description'];
  if ('const' in schema) return JSON.stringify(schema['const']);
  if (Array.isArray(schema['enum'])) return `one of ${schema['enum'].join(', ')}`;
  if (Array.isArray(schema['anyOf'])) return (schema['anyOf'] as Schema[]).map((s) => expected(s, undefined, plural)).join(' or ');
  const noun = (singular: string, many: string) => (plural ? many : `${/^[aeiou]/.test(singular) ? 'an' : 'a'} ${singular}`);
  switch (schema['type']) {
    case 'string': {
      const text = noun(schema['minLength'] ? 'non-empty string' : 'string', schema['minLength'] ? 'non-empty strings' : 'strings');
      return keyword === 'maxLength' ? `${text} of at most ${String(schema['maxLength'])} characters` : text;
    }
    case 'integer': {
      const [min, max] = [schema['minimum'], schema['maximum']];
      if (min === 0 && (max === undefined || max === Number.MAX_SAFE_INTEGER)) return noun('non-negative integer', 'non-negative integers');
      if (typeof min === 'number' && typeof max === 'number') return `${noun('integer', 'integers')} from ${min} to ${max}`;
      return noun('integer', 'integers');
    }
    case 'number':
      return noun('number', 'numbers');
    case 'boolean':
      return plural ? 'booleans' : 'true or false';
    case 'null':
      return 'null';
    case 'array': {
      const items = schema['items'];
      return typeof items === 'object' && items !== null
        ? `${noun('array', 'arrays')} of ${expected(items as Schema, undefined, true)}`
        : noun('array', 'arrays');
    }
    case 'object':
      return noun('object', 'objects');
    default:
      return 'valid';
  }
}

/** A short rendering of the value that failed (never the whole of a large one). */
function preview(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value))
    return value.length <= 4 && value.every((x) => typeof x !== 'object' || x === null) ? `[${value.map(preview).join(',')}]` : `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
