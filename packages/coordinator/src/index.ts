export { loadSpecFile, parseSpecBytes, parseSpecText, MAX_SPEC_BYTES } from './spec/load-spec.js';
export type { LoadOptions, LoadResult } from './spec/load-spec.js';
export { checkSchema } from './spec/schema-validator.js';
export type { FileProbe } from './spec/semantic-checks.js';
export { formatProblem, SpecValidationError } from './spec/spec-problem.js';
export type { SpecProblem } from './spec/spec-problem.js';
export { startLocalJob } from './launch/local-job.js';
export type { LocalJob, LocalJobOptions, LocalJobResult, Spawner } from './launch/local-job.js';
