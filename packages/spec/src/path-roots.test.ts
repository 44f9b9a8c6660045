import { describe, expect, it } from 'vitest';
import type { ExperimentSpec } from '@orquesta/protocol';
import { pathRootIssues } from './path-roots.js';

const spec = (train: string, dir: string, valid?: string) =>
  ({ data: { train, ...(valid ? { valid } : {}) }, checkpoint: { dir } }) as unknown as ExperimentSpec;

describe('path roots', () => {
  it('accepts paths inside the roots', () => {
    expect(pathRootIssues(spec('data/x.tsv', 'runs/a', 'data/v.tsv'), '/srv/o', ['/srv/o'])).toEqual([]);
    expect(pathRootIssues(spec('/data/shared/x.tsv', 'runs/a'), '/srv/o', ['/srv/o', '/data/shared'])).toEqual([]);
  });

  it('names every field that escapes', () => {
    const issues = pathRootIssues(spec('../../etc/passwd', '/root/.ssh', 'data/../../x'), '/srv/o', ['/srv/o']);
    expect(issues.map((i) => i.path)).toEqual(['data.train', 'data.valid', 'checkpoint.dir']);
    expect(issues[0]!.message).toMatch(/"\.\.\/\.\.\/etc\/passwd" is outside/);
  });

  it('does not confuse a sibling with the same prefix for the root', () => {
    expect(pathRootIssues(spec('/srv/other/x', 'runs/a'), '/srv/o', ['/srv/o']).map((i) => i.path)).toEqual(['data.train']);
  });
});
