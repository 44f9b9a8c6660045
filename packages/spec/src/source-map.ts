/**
 * Maps field paths of a parsed YAML document back to line and column, so every problem can be
 * reported where the user typed it.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

export type FieldPath = readonly (string | number)[];

export interface Position {
  readonly line: number;
  readonly col: number;
}

export const START: Position = { line: 1, col: 1 };

/** Renders `['model', 'd_model']` as `model.d_model` and `['optimizer','betas',1]` as `optimizer.betas[1]`. */
export function dottedPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(document)' : out;
}

/** Parses an ajv instancePath (`/model/d_model`, `/optimizer/betas/1`) into path parts. */
export function fromJsonPointer(pointer: string): FieldPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  at(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  /** Position of the value at `path`, or of its nearest existing ancestor's key. */
  valueAt(path: FieldPath): Position {
    const found = this.walk(path);
    const node = found.node ?? found.lastKey;
    return node?.range ? this.at(node.range[0]) : START;
  }

  /** Position of the key that names `path` (for "unknown field" problems). */
  keyAt(path: FieldPath): Position {
    const found = this.walk(path);
    const node = found.lastKey ?? found.node;
    return node?.range ? this.at(node.range[0]) : START;
  }

  /** The field path whose key or value contains `offset` (for YAML syntax errors). */
  pathAtOffset(offset: number): FieldPath {
    const path: (string | number)[] = [];
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((p) => contains(p, offset));
        if (!pair) return path;
        path.push(keyName(pair));
        node = pair.value;
      } else if (isSeq(node)) {
        const index = node.items.findIndex((n) => isNodeLike(n) && inRange(n.range, offset));
        if (index < 0) return path;
        path.push(index);
        node = node.items[index];
      } else {
        return path;
      }
    }
  }

  private walk(path: FieldPath): { node: Node | undefined; lastKey: Node | undefined } {
    let node: unknown = this.doc.contents;
    let lastKey: Node | undefined;
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
        if (!pair) return { node: undefined, lastKey };
        lastKey = isNodeLike(pair.key) ? pair.key : lastKey;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number' && node.items[part] !== undefined) {
        node = node.items[part];
        lastKey = isNodeLike(node) ? node : lastKey;
      } else {
        return { node: undefined, lastKey: lastKey ?? (isNodeLike(node) ? node : undefined) };
      }
    }
    return { node: isNodeLike(node) ? node : undefined, lastKey };
  }
}

function isNodeLike(n: unknown): n is Node {
  return typeof n === 'object' && n !== null && 'range' in n;
}

function inRange(range: readonly number[] | null | undefined, offset: number): boolean {
  return !!range && offset >= (range[0] ?? 0) && offset < (range[2] ?? range[1] ?? 0);
}

function contains(pair: Pair, offset: number): boolean {
  const start = isNodeLike(pair.key) ? pair.key.range?.[0] : undefined;
  const end = isNodeLike(pair.value) ? pair.value.range?.[2] : isNodeLike(pair.key) ? pair.key.range?.[2] : undefined;
  return start !== undefined && end !== undefined && offset >= start && offset < Math.max(end, start + 1);
}

function keyName(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}
