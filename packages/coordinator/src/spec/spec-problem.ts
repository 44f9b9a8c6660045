/** One thing wrong with a spec, pinned to where the user can fix it. */
export interface SpecProblem {
  /** The spec file as the user named it. */
  readonly file: string;
  /** 1-based line of the offending key or value. */
  readonly line: number;
  /** 1-based column of the offending key or value. */
  readonly col: number;
  /** Dotted field path, e.g. `model.d_model`; `(file)` or `(document)` when no field applies. */
  readonly path: string;
  /** What is wrong, quoting the bad value. */
  readonly message: string;
}

/** Renders a problem as the CLI prints it: `FILE:LINE:COL  path.to.field  message`. */
export function formatProblem(p: SpecProblem): string {
  return `${p.file}:${p.line}:${p.col}  ${p.path}  ${p.message}`;
}

/** Thrown by `loadSpecOrThrow` when a spec has problems; carries all of them. */
export class SpecValidationError extends Error {
  override readonly name = 'SpecValidationError';
  constructor(
    readonly problems: readonly SpecProblem[],
    options?: { cause?: unknown },
  ) {
    super(problems.map(formatProblem).join('\n'), options);
  }
}

/** Orders problems by position so output reads top to bottom. */
export function byPosition(a: SpecProblem, b: SpecProblem): number {
  return a.line - b.line || a.col - b.col || a.path.localeCompare(b.path);
}
