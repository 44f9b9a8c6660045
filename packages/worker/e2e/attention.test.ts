/**
 * `orquesta attention` on checkpoints that `orquesta train` just wrote: a tiny translation model and a
 * tiny character language model. The weights are probabilities of the right shapes with the tokens
 * on both axes, the heatmaps are drawn, and bad options are refused with exit 2.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTrain, tempDir, tinySpec } from './train-cli.js';

const BIN = join(ROOT, 'apps/cli/bin/orquesta.js');
const orquesta = (args: readonly string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

type Stack = number[][][][];

/** Every query row of every head sums to 1; masked (q, k) are 0. */
function expectDistributions(stack: Stack, masked: (q: number, k: number) => boolean = () => false): void {
  for (const head of stack.flat())
    head.forEach((row, q) => {
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      row.forEach((w, k) => masked(q, k) && expect(w).toBe(0));
    });
}

let translation: string;
let lm: string;
beforeAll(async () => {
  const dir = tempDir();
  const lmDir = tempDir();
  const [t, l] = await Promise.all([
    startTrain([tinySpec(dir), '--set', 'resources.workers=1', '--set', 'training.max_steps=10']).done,
    startTrain([
      join(ROOT, 'configs/shakespeare-lm.yaml'),
      '--set',
      'model.d_model=32',
      '--set',
      'model.heads=2',
      '--set',
      'model.d_ff=64',
      '--set',
      'model.decoder_layers=2',
      '--set',
      'resources.workers=1',
      '--set',
      'training.max_steps=5',
      '--set',
      'optimizer.warmup_steps=2',
      '--set',
      'training.max_tokens_per_batch=512',
      '--set',
      `checkpoint.dir=${join(lmDir, 'run')}`,
    ]).done,
  ]);
  expect(t.code, t.stderr).toBe(0);
  expect(l.code, l.stderr).toBe(0);
  translation = join(dir, 'run');
  lm = join(lmDir, 'run');
}, 240_000);

describe('orquesta attention', () => {
  it('gives a translation with encoder, decoder and cross-attention of every layer and head, as JSON', () => {
    const run = orquesta(['attention', '--checkpoint', translation, 'El perro duerme en el jardín.', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as { translation: string; source_tokens: string[]; target_tokens: string[]; encoder: Stack; decoder: Stack; cross: Stack };
    expect(typeof r.translation).toBe('string');
    expect(r.source_tokens.at(-1)).toBe('</s>');
    expect(r.source_tokens.slice(0, -1).join('')).toBe('El perro duerme en el jardín.');
    const [s, t] = [r.source_tokens.length, r.target_tokens.length];
    // tiny.yaml: 1 layer of 2 heads in each stack.
    expect([r.encoder.length, r.encoder[0]!.length, r.encoder[0]![0]!.length, r.encoder[0]![0]![0]!.length]).toEqual([1, 2, s, s]);
    expect([r.decoder.length, r.decoder[0]!.length, r.decoder[0]![0]!.length, r.decoder[0]![0]![0]!.length]).toEqual([1, 2, t, t]);
    expect([r.cross.length, r.cross[0]!.length, r.cross[0]![0]!.length, r.cross[0]![0]![0]!.length]).toEqual([1, 2, t, s]);
    expectDistributions(r.encoder);
    expectDistributions(r.cross);
    expectDistributions(r.decoder, (q, k) => k > q);
  });

  it('writes the JSON, a grid per kind and one head large with its tokens, and refuses bad options', () => {
    const out = join(tempDir(), 'att');
    const run = orquesta(['attention', '--checkpoint', translation, 'Hola.', '--out', out, '--kind', 'encoder', '--head', '1']);
    expect(run.status, run.stderr).toBe(0);
    for (const f of ['attention.json', 'attention-cross.svg', 'attention-encoder.svg', 'attention-decoder.svg', 'attention-encoder-layer0-head1.svg'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const r = JSON.parse(readFileSync(join(out, 'attention.json'), 'utf8')) as { source_tokens: string[] };
    const head = readFileSync(join(out, 'attention-encoder-layer0-head1.svg'), 'utf8');
    // One cell per (query, key), each token on both axes.
    expect(head.match(/<rect x=/g)).toHaveLength(r.source_tokens.length ** 2);
    expect(head).toContain('&#60;/s&#62;');
    for (const [flag, value] of [
      ['--kind', 'sideways'],
      ['--layer', '3'],
      ['--head', '9'],
      ['--beam', '0'],
    ] as const) {
      const bad = orquesta(['attention', '--checkpoint', translation, 'Hola.', '--json', flag, value]);
      expect(bad.status, `${flag} ${value}`).toBe(2);
      expect(bad.stderr).toMatch(/orquesta|--/);
    }
    expect(orquesta(['attention', '--checkpoint', join(out, 'nothing-here'), 'Hola.']).status).toBe(2);
  });

  it("gives a language model's causal self-attention over the prompt and what it generated", () => {
    const run = orquesta(['attention', '--checkpoint', lm, 'ROMEO:', '--max-tokens', '8', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as { text: string; tokens: string[]; prompt_length: number; decoder: Stack };
    expect(r.tokens.slice(0, r.prompt_length)).toEqual(['<s>', 'R', 'O', 'M', 'E', 'O', ':']);
    expect(r.tokens.length).toBeLessThanOrEqual(r.prompt_length + 8);
    expect([r.decoder.length, r.decoder[0]!.length, r.decoder[0]![0]!.length]).toEqual([2, 2, r.tokens.length]);
    expectDistributions(r.decoder, (q, k) => k > q);
    expect(orquesta(['attention', '--checkpoint', lm, 'ROMEO:', '--kind', 'cross']).status).toBe(2);
  });
});
