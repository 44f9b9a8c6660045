/**
 * Loading an experiment spec: the one boundary where YAML text becomes a validated, read-only
 * `ExperimentSpec`. Steps:
 *   1. read the file (size limit, directories, missing files, binary content),
 *   2. parse YAML with positions (syntax errors, duplicate keys, empty documents),
 *   3. validate against the JSON Schema, filling in defaults,
 *   4. run the semantic checks the schema cannot express,
 *   5. map every problem to FILE:LINE:COL and a field path, then freeze the spec.
 * Nothing here throws for bad input: every failure is a `SpecProblem`.
 */
import { readFile, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, LineCounter, parse as parseYaml, parseDocument, type Document } from 'yaml';
import type { ExperimentSpec } from '@orquesta/protocol';
import { schemaErrors } from './schema-validator.js';
import { issuesFromAjv, type FieldIssue } from './schema-messages.js';
import { semanticIssues, type FileProbe } from './semantic-checks.js';
import { dottedPath, SourceMap, START } from './source-map.js';
import { byPosition, type SpecProblem } from './spec-problem.js';
import { deepFreeze } from './deep-freeze.js';

/** Largest spec file accepted, in bytes. Specs are a few KB; anything near this is a mistake. */
export const MAX_SPEC_BYTES = 1024 * 1024;

export interface LoadOptions {
  /** Directory that relative data paths are resolved against. Defaults to the working directory. */
  readonly baseDir?: string;
  /** Answers whether a data path is a file. Defaults to a stat of baseDir/path. */
  readonly probe?: FileProbe;
  /** `path.to.field=value` assignments applied over the file before validation (`--set`); values are YAML. */
  readonly overrides?: readonly string[];
}

export type LoadResult =
  | { readonly ok: true; readonly file: string; readonly spec: Readonly<ExperimentSpec> }
  | { readonly ok: false; readonly file: string; readonly problems: readonly SpecProblem[] };

/** Reads and validates one spec file. Never throws for bad input. */
export async function loadSpecFile(file: string, options: LoadOptions = {}): Promise<LoadResult> {
  const fileProblem = (message: string): LoadResult => ({ ok: false, file, problems: [{ file, ...START, path: '(file)', message }] });
  let size: number;
  try {
    const info = await stat(file);
    if (info.isDirectory()) return fileProblem('is a directory; give a spec file (.yaml)');
    if (!info.isFile()) return fileProblem('is not a regular file');
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fileProblem(code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? String(error)}`);
  }
  if (size > MAX_SPEC_BYTES) return fileProblem(`spec is ${size} bytes; the limit is ${MAX_SPEC_BYTES} bytes`);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return fileProblem(`cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseSpecBytes(bytes, file, options);
}

/** Validates spec bytes that came from `file` (used for messages only). */
export function parseSpecBytes(bytes: Uint8Array, file: string, options: LoadOptions = {}): LoadResult {
  const text = decodeText(bytes);
  if (typeof text !== 'string') {
    return { ok: false, file, problems: [{ file, ...text, path: '(file)', message: text.message }] };
  }
  return parseSpecText(text, file, options);
}

/** Validates spec text. */
export function parseSpecText(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const fail = (problems: SpecProblem[]): LoadResult => ({ ok: false, file, problems: problems.sort(byPosition) });
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
  const map = new SourceMap(doc, lines);
  if (doc.errors.length > 0) {
    return fail(
      doc.errors.map((e) => {
        const at = map.at(e.pos[0]);
        if (e.code !== 'DUPLICATE_KEY') return { file, ...at, path: '(syntax)', message: `YAML syntax error: ${firstLine(e.message)}` };
        const path = map.pathAtOffset(e.pos[0]);
        return { file, ...at, path: dottedPath(path), message: `duplicate key ${JSON.stringify(String(path.at(-1) ?? ''))}; each field may appear once` };
      }),
    );
  }
  if (doc.contents === null) {
    return fail([{ file, ...START, path: '(document)', message: 'empty spec: expected a mapping with name, task, data, ...' }]);
  }
  if (!isMap(doc.contents)) {
    const pos = doc.contents.range ? map.at(doc.contents.range[0]) : START;
    return fail([{ file, ...pos, path: '(document)', message: 'a spec must be a mapping of fields (name: ..., task: ...), got a ' + nodeKind(doc.contents) }]);
  }
  for (const assignment of options.overrides ?? []) {
    const problem = applyOverride(doc, assignment);
    if (problem) return fail([{ file: '--set', line: 1, col: 1, path: assignment.split('=')[0] ?? assignment, message: problem }]);
  }
  let raw: Record<string, unknown>;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (error) {
    // An alias to an anchor that is not (yet) defined, or an alias bomb past maxAliasCount.
    return fail([{ file, ...START, path: '(document)', message: `YAML alias error: ${firstLine((error as Error).message)}` }]);
  }
  const value = structuredClone(raw);
  const toProblem = (issue: FieldIssue): SpecProblem => ({
    file,
    ...(issue.anchor === 'key' ? map.keyAt(issue.path) : map.valueAt(issue.path)),
    path: dottedPath(issue.path),
    message: issue.message,
  });
  const checked = schemaErrors(value);
  if (!checked.ok) return fail(issuesFromAjv(checked.errors).map(toProblem));
  const spec = value as ExperimentSpec;
  applyTaskDefaults(spec, raw);
  const probe = options.probe ?? statProbe(options.baseDir ?? process.cwd());
  const issues = semanticIssues(spec, raw, probe);
  if (issues.length > 0) return fail(issues.map(toProblem));
  return { ok: true, file, spec: deepFreeze(spec) };
}

/** Applies `a.b.c=value` to the document; returns why it cannot, or undefined. */
function applyOverride(doc: Document, assignment: string): string | undefined {
  const eq = assignment.indexOf('=');
  if (eq <= 0) return `expected path.to.field=value, got ${JSON.stringify(assignment)}`;
  const path = assignment.slice(0, eq).split('.');
  if (path.some((p) => !/^[a-z_][a-z_0-9]*$/.test(p))) return `invalid field path ${JSON.stringify(assignment.slice(0, eq))}`;
  let value: unknown;
  try {
    value = parseYaml(assignment.slice(eq + 1));
  } catch (error) {
    return `value is not valid YAML: ${(error as Error).message.split('\n')[0]}`;
  }
  doc.setIn(path, doc.createNode(value));
  return undefined;
}

/** The one default that depends on another field: a language-model has no encoder. */
function applyTaskDefaults(spec: ExperimentSpec, raw: Record<string, unknown>): void {
  const model = raw['model'];
  const setLayers = typeof model === 'object' && model !== null && 'encoder_layers' in model;
  if (spec.task === 'language-model' && !setLayers) spec.model.encoder_layers = 0;
}

function statProbe(baseDir: string): FileProbe {
  return (path) => {
    try {
      return statSync(resolve(baseDir, path)).isFile() ? 'file' : 'not-a-file';
    } catch {
      return 'missing';
    }
  };
}

/** UTF-8 text, or where and why the bytes are not a text spec. */
function decodeText(bytes: Uint8Array): string | { line: number; col: number; message: string } {
  const nul = bytes.indexOf(0);
  const lossy = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
  if (nul >= 0) {
    const at = positionIn(new TextDecoder().decode(bytes.subarray(0, nul)), -1);
    return { ...at, message: 'binary content (NUL byte); a spec is UTF-8 YAML text' };
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ...positionIn(lossy, lossy.indexOf('\uFFFD')), message: 'invalid UTF-8; a spec is UTF-8 YAML text' };
  }
}

function positionIn(text: string, index: number): { line: number; col: number } {
  const before = index < 0 ? text : text.slice(0, index);
  const lines = before.split('\n');
  return { line: lines.length, col: (lines.at(-1)?.length ?? 0) + 1 };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function nodeKind(node: unknown): string {
  const name = (node as { constructor?: { name?: string } }).constructor?.name ?? 'value';
  return name === 'YAMLSeq' ? 'list' : name === 'Scalar' ? `scalar ${JSON.stringify((node as { value: unknown }).value)}` : name;
}
