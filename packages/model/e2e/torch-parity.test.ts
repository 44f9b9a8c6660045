/**
 * Parity with the standard Transformer in PyTorch: the built model package computes logits for
 * padded inputs and saves its weights (tools/parity/export-reference.mjs), then an independent
 * PyTorch implementation loads the checkpoint, runs the same inputs and compares
 * (tools/parity/torch_parity.py). Needs the model package built and Python 3 with torch and
 * numpy (Debian: apt-get install python3-torch python3-numpy); without them the tests fail.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXPORT = join(ROOT, 'tools/parity/export-reference.mjs');
const PARITY = join(ROOT, 'tools/parity/torch_parity.py');
const MODEL_DIST = join(ROOT, 'packages/model/dist/index.js');
const TOLERANCE = 1e-4;
/** The attention weights (the attention explorer's) against PyTorch's softmax. */
const ATTENTION_TOLERANCE = 1e-5;

/** The Python that runs the check: ORQUESTA_PYTHON if set, else `python3`, else Debian's /usr/bin/python3. */
const PYTHON_CANDIDATES = process.env['ORQUESTA_PYTHON'] ? [process.env['ORQUESTA_PYTHON']] : ['python3', '/usr/bin/python3'];

const SMALL = { vocabSize: 50, dModel: 32, heads: 4, dFf: 64, maxLen: 16 };

interface ParityCase {
  readonly name: string;
  readonly kind: 'seq2seq' | 'lm';
  readonly backend: 'cpu' | 'wasm';
  readonly config: Record<string, unknown>;
}

const CASES: readonly ParityCase[] = [
  {
    name: 'encoder-decoder, the default shape scaled down: pre-LN, relu, sinusoidal positions, tied output',
    kind: 'seq2seq',
    backend: 'cpu',
    config: { ...SMALL, encoderLayers: 2, decoderLayers: 2, norm: 'pre', activation: 'relu', positional: 'sinusoidal', tieEmbeddings: true, seed: 1 },
  },
  {
    name: 'encoder-decoder: post-LN, gelu, learned positions, untied output',
    kind: 'seq2seq',
    backend: 'cpu',
    config: { ...SMALL, encoderLayers: 2, decoderLayers: 2, norm: 'post', activation: 'gelu', positional: 'learned', tieEmbeddings: false, seed: 7 },
  },
  {
    name: 'decoder-only LM: pre-LN, relu, sinusoidal positions, tied output',
    kind: 'lm',
    backend: 'cpu',
    config: { ...SMALL, encoderLayers: 0, decoderLayers: 2, norm: 'pre', activation: 'relu', positional: 'sinusoidal', tieEmbeddings: true, seed: 3 },
  },
  {
    name: 'decoder-only LM on wasm: post-LN, gelu, learned positions, untied output',
    kind: 'lm',
    backend: 'wasm',
    config: { ...SMALL, encoderLayers: 0, decoderLayers: 2, norm: 'post', activation: 'gelu', positional: 'learned', tieEmbeddings: false, seed: 5 },
  },
];

interface ParityResult {
  readonly max_abs_diff: number | null;
  readonly tokens: number;
  readonly ok: boolean;
  readonly kind: string;
  readonly attention_max_abs_diff: number | null;
}

const work = mkdtempSync(join(tmpdir(), 'orquesta-parity-'));
const observed: string[] = [];

afterAll(() => {
  if (observed.length > 0) console.log(`torch parity, max |logit difference|:\n  ${observed.join('\n  ')}`);
  rmSync(work, { recursive: true, force: true });
});

let python: string | undefined;

/** A Python 3 that imports torch and numpy. @throws naming the packages to install when there is none. */
function torchPython(): string {
  if (python) return python;
  const tried: string[] = [];
  for (const candidate of PYTHON_CANDIDATES) {
    const probe = spawnSync(candidate, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 60_000 });
    if (probe.status === 0) return (python = candidate);
    const why = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`);
    tried.push(`${candidate}: ${why}`);
  }
  throw new Error(
    `PyTorch parity needs Python 3 with torch and numpy, and none was found (${tried.join('; ')}). ` +
      'Install the Debian packages: apt-get install python3-torch python3-numpy ' +
      '(or set ORQUESTA_PYTHON to a Python 3 that has torch and numpy).',
  );
}

function describeRun(run: SpawnSyncReturns<string>): string {
  return `exit ${run.status}${run.error ? ` (${run.error.message})` : ''}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
}

/** Builds the model in a child process and writes model.safetensors and reference.json to a new folder. */
function exportReference(c: ParityCase, folder: string): string {
  expect(existsSync(MODEL_DIST), `${MODEL_DIST} is missing: build first with \`npx tsc -b tsconfig.build.json\``).toBe(true);
  const out = join(work, folder);
  const run = spawnSync(process.execPath, [EXPORT, '--out', out, '--backend', c.backend, '--config', JSON.stringify(c.config)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, describeRun(run)).toBe(0);
  return out;
}

function runParity(checkpoint: string, reference: string): { run: SpawnSyncReturns<string>; result: ParityResult } {
  const run = spawnSync(torchPython(), [PARITY, checkpoint, reference], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  expect(last.startsWith('{'), describeRun(run)).toBe(true);
  return { run, result: JSON.parse(last) as ParityResult };
}

describe('parity with a PyTorch implementation of the same architecture', () => {
  it.each(CASES)('$name', (c) => {
    torchPython(); // fail before the export when PyTorch is missing
    const out = exportReference(c, `case-${CASES.indexOf(c)}`);
    const reference = JSON.parse(readFileSync(join(out, 'reference.json'), 'utf8')) as { kind: string; backend: string };
    expect(reference.kind).toBe(c.kind);
    expect(reference.backend).toBe(c.backend);

    const { run, result } = runParity(join(out, 'model.safetensors'), join(out, 'reference.json'));
    observed.push(`${c.name}: ${result.max_abs_diff?.toExponential(2)} (attention weights ${result.attention_max_abs_diff?.toExponential(2)})`);
    expect(result.kind).toBe(c.kind);
    expect(result.tokens).toBe(3 * 6); // batch 3, target length 6
    expect(result.ok, describeRun(run)).toBe(true);
    expect(result.max_abs_diff).not.toBeNull();
    expect(result.max_abs_diff!).toBeLessThanOrEqual(TOLERANCE);
    expect(result.attention_max_abs_diff).not.toBeNull();
    expect(result.attention_max_abs_diff!).toBeLessThanOrEqual(ATTENTION_TOLERANCE);
    expect(run.status, describeRun(run)).toBe(0);
  });

  it('reports a mismatch, and exits 1, when one logit, one attention weight or one model weight is off', () => {
    torchPython();
    const out = exportReference(CASES[0]!, 'controls');
    const checkpoint = join(out, 'model.safetensors');

    // One logit moved by 1e-3: the largest difference is that shift.
    const reference = JSON.parse(readFileSync(join(out, 'reference.json'), 'utf8')) as { logits: number[][][] };
    reference.logits[1]![2]![7]! += 1e-3;
    const tamperedReference = join(out, 'tampered-reference.json');
    writeFileSync(tamperedReference, JSON.stringify(reference));
    const logit = runParity(checkpoint, tamperedReference);
    expect(logit.run.status, describeRun(logit.run)).toBe(1);
    expect(logit.result.ok).toBe(false);
    expect(logit.result.max_abs_diff).toBeCloseTo(1e-3, 5);

    // One cross-attention weight moved by 1e-4 (decoder layer 1, row 0, head 2, query 3, key 1).
    const withAttention = JSON.parse(readFileSync(join(out, 'reference.json'), 'utf8')) as { attention: { cross: number[][][][][] } };
    withAttention.attention.cross[1]![0]![2]![3]![1]! += 1e-4;
    const tamperedAttention = join(out, 'tampered-attention.json');
    writeFileSync(tamperedAttention, JSON.stringify(withAttention));
    const attention = runParity(checkpoint, tamperedAttention);
    expect(attention.run.status, describeRun(attention.run)).toBe(1);
    expect(attention.result.max_abs_diff!).toBeLessThanOrEqual(TOLERANCE);
    expect(attention.result.attention_max_abs_diff).toBeCloseTo(1e-4, 6);

    // One gain of the decoder's final layer norm changed by 0.01 in the checkpoint.
    const bytes = readFileSync(checkpoint);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { data_offsets: [number, number] }>;
    const at = 8 + headerLength + header['decoder.norm.weight']!.data_offsets[0];
    bytes.writeFloatLE(bytes.readFloatLE(at) + 0.01, at);
    const tamperedCheckpoint = join(out, 'tampered.safetensors');
    writeFileSync(tamperedCheckpoint, bytes);
    const weight = runParity(tamperedCheckpoint, join(out, 'reference.json'));
    expect(weight.run.status, describeRun(weight.run)).toBe(1);
    expect(weight.result.ok).toBe(false);
    expect(weight.result.max_abs_diff!).toBeGreaterThan(TOLERANCE);
  });
});
