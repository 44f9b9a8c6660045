import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT, type CliIO } from './io.js';
import { run } from './program.js';

function capture(): CliIO & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('orquesta program', () => {
  it('validates a spec in-process and returns exit 0', async () => {
    const corpus = fileURLToPath(new URL('../../../data/tinyshakespeare/input.txt.gz', import.meta.url));
    const spec = join(mkdtempSync(join(tmpdir(), 'orquesta-cli-')), 'lm.yaml');
    writeFileSync(spec, `name: lm\ntask: language-model\ndata: { train: ${corpus} }\ntokenizer: { kind: char }\noptimizer: { warmup_steps: 10 }\n`);
    const io = capture();
    expect(await run(['node', 'orquesta', 'validate', spec], io)).toBe(EXIT.ok);
    expect(io.lines).toEqual([`${spec}  OK  lm (language-model, 1 worker, backend auto)`]);
  });

  it('returns the usage exit code for a bad flag, without exiting the process', async () => {
    const io = capture();
    expect(await run(['node', 'orquesta', 'validate', '--frob', 'x.yaml'], io)).toBe(EXIT.usage);
    expect(io.errors.join('\n')).toContain("unknown option '--frob'");
  });
});
