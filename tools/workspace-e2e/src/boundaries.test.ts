/**
 * The dependency direction of README.md's Layout, checked on the real workspace: the nx project
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
  '@orquesta/spec': ['@orquesta/protocol'],
  '@orquesta/curve': [],
  '@orquesta/collective': ['@orquesta/protocol', '@orquesta/data', '@orquesta/curve'],
  '@orquesta/worker': ['@orquesta/protocol', '@orquesta/data', '@orquesta/model', '@orquesta/collective', '@orquesta/kernels', '@orquesta/telemetry'],
  '@orquesta/launch': ['@orquesta/protocol', '@orquesta/curve'],
  '@orquesta/coordinator': ['@orquesta/protocol', '@orquesta/data', '@orquesta/telemetry', '@orquesta/spec', '@orquesta/curve', '@orquesta/launch'],
  '@orquesta/cli': [
    '@orquesta/protocol',
    '@orquesta/spec',
    '@orquesta/curve',
    '@orquesta/launch',
    '@orquesta/coordinator',
    '@orquesta/model',
    '@orquesta/data',
    '@orquesta/collective',
    '@orquesta/worker',
    '@orquesta/telemetry',
    '@orquesta/dashboard',
  ],
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
    expect(Object.keys(graph.nodes)).toEqual(
      expect.arrayContaining(['@orquesta/protocol', '@orquesta/spec', '@orquesta/curve', '@orquesta/launch', '@orquesta/coordinator', '@orquesta/cli']),
    );
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

  it('keeps the control plane off the data plane and the launcher off the coordinator', () => {
    const targets = (source: string) => (graph.dependencies[source] ?? []).map((e) => e.target).filter((t) => t.startsWith('@orquesta/'));
    expect(targets('@orquesta/coordinator')).not.toContain('@orquesta/collective');
    expect(targets('@orquesta/coordinator')).toEqual(expect.arrayContaining(['@orquesta/spec', '@orquesta/curve', '@orquesta/launch']));
    expect(targets('@orquesta/launch')).not.toContain('@orquesta/coordinator');
    expect(targets('@orquesta/launch')).toContain('@orquesta/curve');
    expect(targets('@orquesta/collective')).toContain('@orquesta/curve');
    expect(new Set(targets('@orquesta/spec'))).toEqual(new Set(['@orquesta/protocol']));
    expect(targets('@orquesta/curve')).toEqual([]);
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

  it('fails when the coordinator imports the collective', () => {
    const run = lintSource(
      'packages/coordinator/src/probe.ts',
      "import { createZmqProcessGroup } from '@orquesta/collective';\nexport const c = createZmqProcessGroup;\n",
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('@nx/enforce-module-boundaries');
  });

  it('fails when the launcher imports the coordinator', () => {
    const run = lintSource('packages/launch/src/probe.ts', "import { Store } from '@orquesta/coordinator';\nexport const s = Store;\n");
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('@nx/enforce-module-boundaries');
  });

  it('fails when the spec loader imports anything of ours but the protocol', () => {
    const allowed = lintSource('packages/spec/src/probe.ts', "import { ENV } from '@orquesta/protocol';\nexport const e = ENV;\n");
    expect(allowed.stdout + allowed.stderr).toBe('');
    expect(allowed.status).toBe(0);
    const run = lintSource('packages/spec/src/probe.ts', "import { z85Decode } from '@orquesta/curve';\nexport const z = z85Decode;\n");
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('@nx/enforce-module-boundaries');
  });

  it('fails when CURVE security imports the collective', () => {
    const run = lintSource(
      'packages/curve/src/probe.ts',
      "import { createZmqProcessGroup } from '@orquesta/collective';\nexport const c = createZmqProcessGroup;\n",
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('@nx/enforce-module-boundaries');
  });

  it('fails on a deep import into another package', () => {
    const run = lintSource('apps/cli/src/probe.ts', "import { parseSpecText } from '@orquesta/spec/src/load-spec.js';\nexport const p = parseSpecText;\n");
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('each package exposes one public src/index.ts');
  });
});
