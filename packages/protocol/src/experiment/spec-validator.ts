/**
 * The experiment-spec schema compiled once into a validator, shared by the spec loader (which turns
 * its errors into FILE:LINE:COL problems) and the worker (which checks the spec file a launcher
 * wrote). It fills in every default (the only place defaults are applied) and collects all errors,
 * not just the first.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { ExperimentSpecSchema, type ExperimentSpec } from './experiment-schema.js';

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, verbose: true, strict: true });
const validate = ajv.compile<ExperimentSpec>(ExperimentSpecSchema);

export interface SpecSchemaResult {
  readonly ok: boolean;
  readonly errors: readonly ErrorObject[];
}

/** Validates `value` in place (defaults are written into it) and returns the raw ajv errors. Never throws. */
export function specSchemaErrors(value: unknown): SpecSchemaResult {
  const ok = validate(value);
  return { ok, errors: ok ? [] : [...(validate.errors ?? [])] };
}
