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

/** Control characters (line breaks included), written as `\uXXXX` so that one problem stays one line. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const visible = (text: string) => text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Renders a problem as the CLI prints it: `FILE:LINE:COL  path.to.field  message`, one line, with
 * control characters quoted from the spec shown as `\uXXXX`.
 */
export function formatProblem(p: SpecProblem): string {
  return `${visible(p.file)}:${p.line}:${p.col}  ${visible(p.path)}  ${visible(p.message)}`;
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
