/**
 * Paths a spec may use on a shared coordinator: its data files and checkpoint directory must resolve
 * (against the coordinator's working directory) inside one of the allowed roots, so a submitted spec
 * cannot read or write elsewhere on the nodes (`../../etc`, `/root/.ssh`).
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { ExperimentSpec } from '@orquesta/protocol';

export interface PathIssue {
  readonly path: string;
  readonly message: string;
}

export function pathRootIssues(spec: Readonly<ExperimentSpec>, baseDir: string, roots: readonly string[]): PathIssue[] {
  const fields: [string, string | undefined][] = [
    ['data.train', spec.data.train],
    ['data.valid', spec.data.valid],
    ['checkpoint.dir', spec.checkpoint.dir],
  ];
  const inside = (p: string) =>
    roots.some((root) => {
      const rel = relative(resolve(root), resolve(baseDir, p));
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    });
  return fields
    .filter(([, p]) => p !== undefined && !inside(p))
    .map(([path, p]) => ({
      path,
      message: `${JSON.stringify(p)} is outside the directories this coordinator allows (${roots.join(', ')}); use a path inside them`,
    }));
}
