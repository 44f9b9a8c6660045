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
    const io = capture();
    expect(await run(['node', 'orquesta', 'validate', 'configs/quickstart.yaml'], io)).toBe(EXIT.ok);
    expect(io.lines).toEqual(['configs/quickstart.yaml  OK  quickstart (translation, 2 workers, backend wasm)']);
  });

  it('returns the usage exit code for a bad flag, without exiting the process', async () => {
    const io = capture();
    expect(await run(['node', 'orquesta', 'validate', '--frob', 'x.yaml'], io)).toBe(EXIT.usage);
    expect(io.errors.join('\n')).toContain("unknown option '--frob'");
  });
});
