/**
 * The experiment-spec schema compiled once into a type guard. The compiled validator fills in
 * every default (the only place defaults are applied) and collects all errors, not just the first.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { ExperimentSpecSchema, type ExperimentSpec } from '@orquesta/protocol';

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, verbose: true, strict: true });
const validate = ajv.compile<ExperimentSpec>(ExperimentSpecSchema);

export interface SchemaResult {
  readonly ok: boolean;
  readonly errors: readonly ErrorObject[];
}

/**
 * Validates `value` in place (defaults are written into it) and narrows it to `ExperimentSpec`.
 * Never throws.
 */
export function checkSchema(value: unknown): value is ExperimentSpec {
  return validate(value);
}

/** Validates `value` in place and returns the raw ajv errors. */
export function schemaErrors(value: unknown): SchemaResult {
  const ok = validate(value);
  return { ok, errors: ok ? [] : [...(validate.errors ?? [])] };
}
