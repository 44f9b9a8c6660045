/**
 * The dependency direction of architecture.md, checked on the real workspace: the nx project
 * graph has only allowed edges, and lint fails when a forbidden import is added.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };

/** Allowed internal dependencies per project (the layer table of the lint config). */
const ALLOWED: Record<string, readonly string[]> = {
  '@orquesta/protocol': [],
  '@orquesta/telemetry': [],
  '@orquesta/dashboard': [],
  '@orquesta/data': ['@orquesta/protocol'],
  '@orquesta/kernels': ['@orquesta/protocol', '@orquesta/data'],
  '@orquesta/model': ['@orquesta/protocol', '@orquesta/data', '@orquesta/kernels'],
  '@orquesta/collective': ['@orquesta/protocol', '@orquesta/data'],
  '@orquesta/worker': ['@orquesta/protocol', '@orquesta/data', '@orquesta/model', '@orquesta/collective', '@orquesta/kernels', '@orquesta/telemetry'],
  '@orquesta/coordinator': ['@orquesta/protocol', '@orquesta/telemetry', '@orquesta/collective'],
  '@orquesta/cli': ['@orquesta/protocol', '@orquesta/coordinator', '@orquesta/model', '@orquesta/data', '@orquesta/collective', '@orquesta/worker', '@orquesta/telemetry', '@orquesta/dashboard'],
};

interface Graph {
  graph: { nodes: Record<string, unknown>; dependencies: Record<string, { target: string }[]> };
}

let graph: Graph['graph'];

beforeAll(() => {
  const file = join(mkdtempSync(join(tmpdir(), 'orquesta-graph-')), 'graph.json');
  const run = spawnSync('npx', ['nx', 'graph', `--file=${file}`], { cwd: ROOT, env, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  graph = (JSON.parse(readFileSync(file, 'utf8')) as Graph).graph;
});

describe('nx project graph', () => {
  it('holds the packages and apps', () => {
    expect(Object.keys(graph.nodes)).toEqual(expect.arrayContaining(['@orquesta/protocol', '@orquesta/coordinator', '@orquesta/cli']));
  });

  it('has only edges that follow the dependency direction', () => {
    for (const [source, edges] of Object.entries(graph.dependencies)) {
      const internal = edges.map((e) => e.target).filter((t) => t.startsWith('@orquesta/'));
      if (source.endsWith('-e2e')) continue;
      const allowed = ALLOWED[source];
      expect(allowed, `project ${source} has no entry in the layer table`).toBeDefined();
      for (const target of internal) expect(allowed, `${source} -> ${target}`).toContain(target);
    }
    expect(graph.dependencies['@orquesta/cli']?.map((e) => e.target)).toContain('@orquesta/coordinator');
    expect(graph.dependencies['@orquesta/coordinator']?.map((e) => e.target)).toContain('@orquesta/protocol');
  });
});

function lintSource(file: string, source: string) {
  return spawnSync('npx', ['eslint', '--stdin', '--stdin-filename', file], { cwd: ROOT, env, input: source, encoding: 'utf8' });
}

describe('lint enforces the dependency direction', () => {
  it('accepts an allowed import', () => {
    const run = lintSource('packages/coordinator/src/probe.ts', "import { ENV } from '@orquesta/protocol';\nexport const e = ENV;\n");
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('fails when the coordinator imports tfjs', () => {
    const run = lintSource('packages/coordinator/src/probe.ts', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n");
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('@tensorflow/tfjs');
  });

  it('fails when the base layer imports the coordinator', () => {
    const run = lintSource('packages/protocol/src/probe.ts', "import { loadSpecFile } from '@orquesta/coordinator';\nexport const l = loadSpecFile;\n");
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('@nx/enforce-module-boundaries');
  });

  it('fails on a deep import into another package', () => {
    const run = lintSource('apps/cli/src/probe.ts', "import { parseSpecText } from '@orquesta/coordinator/src/spec/load-spec.js';\nexport const p = parseSpecText;\n");
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('each package exposes one public src/index.ts');
  });
});
