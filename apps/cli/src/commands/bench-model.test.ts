import { BACKENDS } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import { EXIT, type CliIO } from '../io.js';
import { run } from '../program.js';

function capture(): CliIO & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

const commands: [string[], string[]][] = [
  [['bench', 'model'], []],
  [['bench', 'scaling'], []],
  [['translate'], ['--checkpoint', 'run']],
  [['generate'], ['--checkpoint', 'run', '--prompt', 'x']],
  [['evaluate'], ['--checkpoint', 'run', '--data', 'x.tsv']],
];

describe('--backend of the commands that run a model', () => {
  it.each(commands)('%s lists the spec backends and rejects any other name', async (command, required) => {
    const help = capture();
    expect(await run(['node', 'orquesta', ...command, '--help'], help)).toBe(EXIT.ok);
    const text = help.lines.join('\n');
    for (const name of BACKENDS) expect(text).toContain(`"${name}"`);
    const io = capture();
    expect(await run(['node', 'orquesta', ...command, ...required, '--backend', 'tpu'], io)).toBe(EXIT.usage);
    expect(io.errors.join('\n')).toContain(`Allowed choices are ${BACKENDS.join(', ')}`);
  });
});
