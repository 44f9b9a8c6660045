import { describe, expect, it } from 'vitest';
import { parseSpecText } from './load-spec.js';
import type { FileProbe } from './semantic-checks.js';
import { formatProblem } from './spec-problem.js';

const allFilesExist: FileProbe = () => 'file';

/** A valid translation spec, one field per line so each test can say which line is wrong. */
const BASE = `name: base
task: translation
data:
  train: data/train.tsv
  valid: data/valid.tsv
  source: es
  target: en
  max_len: 32
tokenizer:
  kind: bpe
  vocab_size: 8000
model:
  d_model: 256
  heads: 4
  d_ff: 1024
  encoder_layers: 3
  decoder_layers: 3
optimizer:
  lr: 7.0e-4
  warmup_steps: 100
training:
  max_tokens_per_batch: 4096
  max_steps: 1000
resources:
  workers: 2
  backend: wasm
`;

/** Replaces the line that starts with `key:` (after indentation) by `replacement`. */
function edit(key: string, replacement: string): string {
  const lines = BASE.split('\n');
  const index = lines.findIndex((l) => l.trimStart().startsWith(`${key}:`));
  if (index < 0) throw new Error(`no line ${key} in BASE`);
  lines[index] = replacement;
  return lines.join('\n');
}

function problems(text: string, probe: FileProbe = allFilesExist) {
  const result = parseSpecText(text, 'spec.yaml', { probe });
  return result.ok ? [] : result.problems;
}

describe('a valid spec', () => {
  it('passes and gets every default filled in, read-only', () => {
    const result = parseSpecText(BASE, 'spec.yaml', { probe: allFilesExist });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.model.dropout).toBe(0.1);
    expect(result.spec.optimizer.betas).toEqual([0.9, 0.98]);
    expect(result.spec.collective.timeout_s).toBe(30);
    expect(result.spec.checkpoint.keep_last).toBe(3);
    expect(result.spec.data.malformed).toBe('skip');
    expect(Object.isFrozen(result.spec.model)).toBe(true);
    expect(() => {
      (result.spec.model as { d_model: number }).d_model = 1;
    }).toThrow(TypeError);
  });

  it('gives a language-model no encoder unless one is asked for', () => {
    const lm = `name: lm\ntask: language-model\ndata: { train: x.txt }\noptimizer: { warmup_steps: 10 }\n`;
    const result = parseSpecText(lm, 'lm.yaml', { probe: allFilesExist });
    expect(result.ok && result.spec.model.encoder_layers).toBe(0);
  });
});

// [description, spec text, expected path, expected line, a fragment the message must contain]
const BAD: [string, string, string, number, string][] = [
  ['d_model not divisible by heads', edit('d_model', '  d_model: 250'), 'model.d_model', 13, 'not divisible by heads 4'],
  ['misspelt model key', edit('d_ff', '  d_fff: 1024'), 'model.d_fff', 15, 'did you mean "d_ff"?'],
  ['misspelt top-level key', edit('tokenizer', 'tokeniser:'), 'tokeniser', 9, 'did you mean "tokenizer"?'],
  ['unknown key with no near match', edit('d_ff', '  colour: blue'), 'model.colour', 15, 'unknown field "colour"'],
  ['string where an integer goes', edit('heads', '  heads: four'), 'model.heads', 14, 'must be an integer, got "four"'],
  ['fractional integer', edit('encoder_layers', '  encoder_layers: 2.5'), 'model.encoder_layers', 16, 'got 2.5'],
  ['zero heads', edit('heads', '  heads: 0'), 'model.heads', 14, 'must be >= 1, got 0'],
  ['negative learning rate', edit('lr', '  lr: -0.1'), 'optimizer.lr', 19, 'must be > 0, got -0.1'],
  [
    'batch budget below one sequence',
    edit('max_tokens_per_batch', '  max_tokens_per_batch: 16'),
    'training.max_tokens_per_batch',
    22,
    'cannot hold one sequence of data.max_len',
  ],
  ['warmup not below max_steps', edit('warmup_steps', '  warmup_steps: 1000'), 'optimizer.warmup_steps', 20, 'must be below training.max_steps 1000'],
  ['unknown backend', edit('backend', '  backend: gpu'), 'resources.backend', 26, 'must be one of auto | wasm | wasm-native'],
  ['misspelt backend value', edit('backend', '  backend: wsam'), 'resources.backend', 26, 'did you mean "wasm"?'],
  ['unknown task', edit('task', 'task: translate'), 'task', 2, 'got "translate"'],
  ['min_workers above workers', edit('backend', '  backend: wasm\n  min_workers: 3'), 'resources.min_workers', 27, 'min_workers 3 is more than workers 2'],
  ['elastic Slurm job', edit('backend', '  backend: wasm\n  min_workers: 1\n  launcher: slurm'), 'resources.min_workers', 27, 'needs the agents launcher'],
  ['missing name', edit('name', '# no name'), 'name', 1, 'missing required field "name"'],
  ['missing data.train', edit('train', '  # no train'), 'data.train', 3, 'missing required field "train"'],
  ['bad experiment name', edit('name', 'name: My Experiment'), 'name', 1, 'invalid value "My Experiment"'],
  ['zero workers', edit('workers', '  workers: 0'), 'resources.workers', 25, 'must be >= 1, got 0'],
  ['dropout of one', edit('d_ff', '  d_ff: 1024\n  dropout: 1'), 'model.dropout', 16, 'must be < 1, got 1'],
  ['betas of the wrong length', edit('lr', '  lr: 7.0e-4\n  betas: [0.9]'), 'optimizer.betas', 20, 'at least 2 items'],
  ['beta out of range', edit('lr', '  lr: 7.0e-4\n  betas: [0.9, 1.5]'), 'optimizer.betas[1]', 20, 'must be < 1, got 1.5'],
  ['section given as a scalar', edit('tokenizer', 'tokenizer: bpe\nunused:'), 'tokenizer', 9, 'must be an object, got "bpe"'],
  ['duplicate key', edit('heads', '  heads: 4\n  heads: 8'), 'model.heads', 15, 'duplicate key "heads"'],
  ['source language without a column', edit('source', '  source: fr'), 'data.source', 6, 'no column in data.columns'],
  ['same source and target', edit('target', '  target: es'), 'data.target', 7, 'same language as source'],
  ['translation without a source', edit('source', '  # no source'), 'data.source', 3, 'missing required field "source"'],
  ['translation with no encoder', edit('encoder_layers', '  encoder_layers: 0'), 'model.encoder_layers', 16, 'at least 1 encoder layer'],
  ['model.max_len below data.max_len', edit('d_ff', '  d_ff: 1024\n  max_len: 16'), 'model.max_len', 16, 'shorter than data.max_len 32'],
  ['vocabulary too small', edit('vocab_size', '  vocab_size: 4'), 'tokenizer.vocab_size', 11, 'must be >= 8, got 4'],
  ['bucket size of zero', `${BASE}collective: { bucket_mb: 0 }\n`, 'collective.bucket_mb', 27, 'must be > 0, got 0'],
  ['unknown compression', `${BASE}collective:\n  compression: int8\n`, 'collective.compression', 28, 'must be one of none | fp16'],
  ['priority above 100', `${BASE}scheduling: { priority: 101 }\n`, 'scheduling.priority', 27, 'must be <= 100, got 101'],
  [
    'search over a field that does not exist',
    `${BASE}search:\n  parameters:\n    model.hedas: [2, 4]\n`,
    'search.parameters.model.hedas',
    29,
    'did you mean "heads"?',
  ],
  ['search over a section', `${BASE}search:\n  parameters:\n    model.d_model.x: [2]\n`, 'search.parameters.model.d_model.x', 29, 'has no sub-fields'],
  [
    'search value invalid for its field',
    `${BASE}search:\n  parameters:\n    optimizer.lr: [3.0e-4, -1]\n`,
    'search.parameters.optimizer.lr[1]',
    29,
    'must be > 0, got -1',
  ],
  ['empty search', `${BASE}search:\n  parameters: {}\n`, 'search.parameters', 28, 'must not be empty'],
  // The parser finds an unclosed flow sequence where the next key starts.
  ['YAML syntax error', edit('heads', '  heads: [4'), '(syntax)', 15, 'must be sufficiently indented and end with a ]'],
  ['a list instead of a mapping', '- name: x\n- task: y\n', '(document)', 1, 'must be a mapping'],
  ['empty document', '# only a comment\n', '(document)', 1, 'empty spec'],
];

describe('a bad spec is reported at the field and line to fix', () => {
  it.each(BAD)('%s', (_what, text, path, line, fragment) => {
    const found = problems(text);
    expect(found.length, 'expected at least one problem').toBeGreaterThan(0);
    const match = found.find((p) => p.path === path);
    expect(match, `no problem at ${path}; got:\n${found.map(formatProblem).join('\n')}`).toBeDefined();
    expect(match?.line).toBe(line);
    expect(match?.message).toContain(fragment);
    expect(formatProblem(match!)).toMatch(new RegExp(`^spec\\.yaml:${line}:\\d+  ${path.replace(/[.[\]()]/g, '\\$&')}  `));
  });

  it('covers at least 25 distinct bad specs', () => {
    expect(new Set(BAD.map(([, text]) => text)).size).toBeGreaterThanOrEqual(25);
  });
});

describe('data files', () => {
  it('names the missing training file and its line', () => {
    const probe: FileProbe = (path) => (path === 'data/train.tsv' ? 'missing' : 'file');
    const [problem] = problems(BASE, probe);
    expect(problem).toMatchObject({ path: 'data.train', line: 4, col: 10 });
    expect(problem?.message).toBe('file not found: "data/train.tsv"');
  });

  it('rejects a directory given as the validation file', () => {
    const probe: FileProbe = (path) => (path === 'data/valid.tsv' ? 'not-a-file' : 'file');
    expect(problems(BASE, probe)[0]).toMatchObject({ path: 'data.valid', line: 5 });
  });
});

describe('problem reporting', () => {
  it('reports every problem at once, in file order', () => {
    const text = edit('heads', '  heads: 0').replace('  backend: wasm', '  backend: gpu');
    expect(problems(text).map((p) => p.path)).toEqual(['model.heads', 'resources.backend']);
  });

  it('points at the column of the bad value in a flow mapping', () => {
    const text = BASE.replace(/model:\n(  .*\n)+?(?=optimizer)/, 'model: {d_model: 250, heads: 4}\n');
    const [problem] = problems(text);
    expect(problem).toMatchObject({ path: 'model.d_model', line: 12, col: 18 });
  });
  it('answers an alias to an undefined anchor with a problem instead of throwing', () => {
    const result = parseSpecText('name: *missing\ntask: translation\n', 'alias.yaml', { probe: () => 'file' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]?.message).toMatch(/YAML alias error/);
  });
});
