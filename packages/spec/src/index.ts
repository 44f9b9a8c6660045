export { loadSpecFile, parseSpecBytes, parseSpecText, MAX_SPEC_BYTES } from './load-spec.js';
export type { LoadOptions, LoadResult } from './load-spec.js';
export { checkSchema } from './schema-validator.js';
export type { FileProbe } from './semantic-checks.js';
export { formatProblem, SpecValidationError } from './spec-problem.js';
export type { SpecProblem } from './spec-problem.js';
export { pathRootIssues } from './path-roots.js';
export type { PathIssue } from './path-roots.js';
export { setIn } from './set-in.js';
