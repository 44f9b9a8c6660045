/**
 * The experiment-spec schema's validator (compiled once, in the protocol): fills in every default and
 * collects all errors, not just the first.
 */
import { specSchemaErrors, type ExperimentSpec } from '@orquesta/protocol';

/**
 * Validates `value` in place (defaults are written into it) and narrows it to `ExperimentSpec`.
 * Never throws.
 */
export function checkSchema(value: unknown): value is ExperimentSpec {
  return specSchemaErrors(value).ok;
}

/** Validates `value` in place and returns the raw ajv errors. */
export const schemaErrors = specSchemaErrors;
