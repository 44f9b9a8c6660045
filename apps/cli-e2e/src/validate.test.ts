import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orquesta, ROOT } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'orquesta-cli-'));
const write = (name: string, content: string | Buffer) => {
  const file = join(tmp, name);
  writeFileSync(file, content);
  return file;
};
const STACK = /\n\s+at .+:\d+:\d+/;

describe('orquesta validate', () => {
  it('accepts every example spec in configs/ with one OK line each', () => {
    const specs = readdirSync(join(ROOT, 'configs'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `configs/${f}`);
    expect(specs.length).toBeGreaterThanOrEqual(4);
    const run = orquesta(['validate', ...specs]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(specs.length);
    for (const [i, spec] of specs.entries()) expect(lines[i]).toMatch(new RegExp(`^${spec}  OK  `));
  });

  it('exits 2 and names model.d_model with its line when d_model is not divisible by heads', () => {
    const file = write(
      'bad-heads.yaml',
      'name: bad\ntask: translation\ndata: { train: data/spa-eng/train.tsv.gz, source: es, target: en }\nmodel: {d_model: 250, heads: 4}\noptimizer: { warmup_steps: 10 }\n',
    );
    const run = orquesta(['validate', file]);
    expect(run.status).toBe(2);
    expect(run.stdout.trim()).toBe(
      `${file}:4:18  model.d_model  d_model 250 is not divisible by heads 4 (250 / 4 = 62.50); each head needs a whole number of features`,
    );
  });

  it('checks several files, reporting each, and fails if any is bad', () => {
    const typo = write(
      'typo.yaml',
      'name: typo\ntask: language-model\ndata: { train: data/tinyshakespeare/input.txt.gz }\nmodle: {}\noptimizer: { warmup_steps: 10 }\n',
    );
    const run = orquesta(['validate', 'configs/quickstart.yaml', typo]);
    expect(run.status).toBe(2);
    expect(run.stdout).toContain('configs/quickstart.yaml  OK');
    expect(run.stdout).toContain(`${typo}:4:1  modle  unknown field "modle"; did you mean "model"?`);
  });

  it.each([
    ['a missing file', () => join(tmp, 'missing.yaml'), 'no such file'],
    ['a directory', () => tmp, 'is a directory'],
    ['an empty file', () => write('empty.yaml', ''), 'empty spec'],
    ['binary junk', () => write('junk.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3])), 'binary content'],
    ['a YAML syntax error', () => write('syntax.yaml', 'name: [unclosed\n'), 'YAML syntax error'],
    ['duplicate keys', () => write('dup.yaml', 'name: a\nname: b\n'), 'duplicate key "name"'],
    ['a 50 MB file', () => write('huge.yaml', Buffer.alloc(50 * 1024 * 1024, 'a: 1\n')), 'the limit is'],
  ])('answers %s with one FILE:LINE:COL line and exit 2, never a stack trace', (_what, make, fragment) => {
    const file = make();
    const run = orquesta(['validate', file]);
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:\\d+:\\d+  \\S+  .*${fragment.replace(/[.[\]()]/g, '\\$&')}`));
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout + run.stderr).not.toMatch(STACK);
  });

  it('exits 2 with usage when no spec is given', () => {
    const run = orquesta(['validate']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("missing required argument 'spec'");
  });
});

describe('orquesta --help', () => {
  it.each([[[]], [['validate']], [['schema']]])('prints help for %j and exits 0', (command) => {
    const run = orquesta([...command, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: orquesta');
  });

  it('rejects an unknown command with exit 2', () => {
    const run = orquesta(['frobnicate']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("unknown command 'frobnicate'");
  });
});

describe('orquesta schema', () => {
  it('prints a draft 2020-12 JSON Schema whose fields document their defaults', () => {
    const run = orquesta(['schema']);
    expect(run.status).toBe(0);
    const schema = JSON.parse(run.stdout);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties.model.properties.d_model).toMatchObject({ default: 256, description: expect.stringContaining('Defaults to 256') });
  });
});
