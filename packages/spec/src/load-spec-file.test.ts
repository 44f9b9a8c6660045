import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile, MAX_SPEC_BYTES } from './load-spec.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orquesta-spec-'));
});

async function onlyProblem(file: string) {
  const result = await loadSpecFile(file);
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.problems).toHaveLength(1);
  return result.problems[0]!;
}

describe('loadSpecFile rejects files that are not specs, with one line each', () => {
  it('a missing file', async () => {
    expect(await onlyProblem(join(dir, 'nope.yaml'))).toMatchObject({ line: 1, col: 1, path: '(file)', message: 'no such file' });
  });

  it('a directory', async () => {
    const sub = join(dir, 'specs');
    mkdirSync(sub);
    expect((await onlyProblem(sub)).message).toContain('is a directory');
  });

  it('binary junk, at the position of the first NUL byte', async () => {
    const file = join(dir, 'junk.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('name: x\nta'), Buffer.from([0, 1, 2, 255, 254])]));
    expect(await onlyProblem(file)).toMatchObject({ line: 2, col: 3, path: '(file)', message: expect.stringContaining('binary content') });
  });

  it('invalid UTF-8, at the bad byte', async () => {
    const file = join(dir, 'latin1.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('name: x\ntask: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    expect(await onlyProblem(file)).toMatchObject({ line: 2, col: 10, message: expect.stringContaining('invalid UTF-8') });
  });

  it('a 50 MB file, without reading it', async () => {
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, Buffer.alloc(50 * 1024 * 1024, 'a: 1\n'));
    const problem = await onlyProblem(file);
    expect(problem.message).toBe(`spec is ${50 * 1024 * 1024} bytes; the limit is ${MAX_SPEC_BYTES} bytes`);
  });

  it('an empty file', async () => {
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, '');
    expect(await onlyProblem(file)).toMatchObject({ path: '(document)', message: expect.stringContaining('empty spec') });
  });

  it('resolves data paths against the working directory', async () => {
    const file = join(dir, 'lm.yaml');
    writeFileSync(file, 'name: lm\ntask: language-model\ndata: { train: corpus.txt }\noptimizer: { warmup_steps: 1 }\n');
    const missing = await onlyProblem(file);
    expect(missing).toMatchObject({ path: 'data.train', line: 3, message: 'file not found: "corpus.txt"' });
    writeFileSync(join(dir, 'corpus.txt'), 'to be or not to be\n');
    expect((await loadSpecFile(file, { baseDir: dir })).ok).toBe(true);
  });
});
