import { describe, expect, it } from 'vitest';
import { ashaRungs } from './asha-rungs.js';
import { parseSpecText } from './load-spec.js';
import { formatProblem } from './spec-problem.js';

const BASE = `name: base
task: translation
data: { train: data/train.tsv, valid: data/valid.tsv, source: es, target: en, max_len: 32 }
model: { d_model: 64, heads: 4, d_ff: 128, encoder_layers: 1, decoder_layers: 1 }
optimizer: { lr: 7.0e-4, warmup_steps: 100 }
training: { max_tokens_per_batch: 4096, max_steps: 900, eval_every_steps: 50 }
`;

function load(search: string, base = BASE) {
  return parseSpecText(`${base}search:\n${search}`, 'spec.yaml', { probe: () => 'file' });
}

/** Problems as `LINE  PATH  MESSAGE` (line within the search section: 1 is the line after `search:`). */
function problems(search: string, base = BASE): string[] {
  const result = load(search, base);
  if (result.ok) return [];
  const offset = BASE.split('\n').length;
  return result.problems.map((p) => `${p.line - offset}  ${p.path}  ${p.message}`);
}

describe('search spaces', () => {
  it('accepts ranges and integer ranges for random and asha', () => {
    const result = load(
      '  kind: asha\n  max_trials: 16\n  min_steps: 100\n  parameters:\n    optimizer.lr: { min: 1.0e-4, max: 3.0e-3, scale: log }\n    optimizer.warmup_steps: { int: [10, 200] }\n',
    );
    expect(result.ok ? 'ok' : result.problems.map(formatProblem)).toBe('ok');
    if (!result.ok) return;
    expect(result.spec.search?.parameters['optimizer.lr']).toEqual({ min: 1e-4, max: 3e-3, scale: 'log' });
    expect(result.spec.search?.reduction_factor).toBe(3);
    expect(result.spec.search?.metric).toBe('validation_loss');
  });

  it.each([
    [
      'a range in a grid',
      '  parameters:\n    optimizer.lr: { min: 1.0e-4, max: 3.0e-3 }\n',
      '2  search.parameters.optimizer.lr  a range needs search.kind random or asha',
    ],
    [
      'an empty range',
      '  kind: random\n  parameters:\n    optimizer.lr: { min: 3.0e-3, max: 1.0e-4 }\n',
      '3  search.parameters.optimizer.lr.max  max 0.0001 must be above min 0.003',
    ],
    [
      'a log range from 0',
      '  kind: random\n  parameters:\n    optimizer.lr: { min: 0, max: 1, scale: log }\n',
      '3  search.parameters.optimizer.lr.min  a log range needs min above 0',
    ],
    [
      'a range end the field refuses',
      '  kind: random\n  parameters:\n    model.dropout: { min: 0, max: 2 }\n',
      '3  search.parameters.model.dropout[1]  trial value for model.dropout',
    ],
    [
      'a real range on an integer field',
      '  kind: random\n  parameters:\n    optimizer.warmup_steps: { min: 10, max: 20 }\n',
      '3  search.parameters.optimizer.warmup_steps  is an integer field; draw it from {int: [a, b]}',
    ],
    [
      'a reversed int range',
      '  kind: random\n  parameters:\n    optimizer.warmup_steps: { int: [20, 10] }\n',
      '3  search.parameters.optimizer.warmup_steps.int  int range [20, 10] is empty',
    ],
    [
      'a misspelt range key',
      '  kind: random\n  parameters:\n    optimizer.lr: { min: 1.0e-4, maxx: 3.0e-3 }\n',
      '3  search.parameters.optimizer.lr.maxx  unknown field "maxx"; did you mean "max"?',
    ],
    [
      'an unknown scale',
      '  kind: random\n  parameters:\n    optimizer.lr: { min: 1.0e-4, max: 3.0e-3, scale: log2 }\n',
      '3  search.parameters.optimizer.lr.scale  must be one of linear | log',
    ],
    ['max_trials on a grid', '  max_trials: 4\n  parameters:\n    optimizer.lr: [1.0e-4]\n', '1  search.max_trials  applies to kind random or asha'],
    ['asha fields on random', '  kind: random\n  min_steps: 50\n  parameters:\n    optimizer.lr: [1.0e-4]\n', '2  search.min_steps  applies to kind asha'],
    [
      'a rung between evaluations',
      '  kind: asha\n  min_steps: 75\n  parameters:\n    optimizer.lr: [1.0e-4]\n',
      '2  search.min_steps  min_steps 75 is not a multiple of training.eval_every_steps 50',
    ],
    [
      'a first rung past the budget',
      '  kind: asha\n  min_steps: 900\n  parameters:\n    optimizer.lr: [1.0e-4]\n',
      '2  search.min_steps  must be below max_steps 900',
    ],
    [
      'more trials than grid points',
      '  kind: asha\n  sampler: grid\n  max_trials: 5\n  parameters:\n    optimizer.lr: [1.0e-4, 2.0e-4]\n',
      "3  search.max_trials  max_trials 5 is more than the grid's 2 points",
    ],
    [
      'a warmup as long as the trial',
      '  kind: random\n  parameters:\n    optimizer.warmup_steps: { int: [10, 900] }\n',
      '3  search.parameters.optimizer.warmup_steps  a trial would warm up for 900 steps of its 900',
    ],
    [
      'a range with sampler grid',
      '  kind: asha\n  sampler: grid\n  parameters:\n    optimizer.lr: { min: 1.0e-4, max: 3.0e-3 }\n',
      '4  search.parameters.optimizer.lr  asha with sampler grid tries listed values only',
    ],
  ])('%s is refused at its line', (_what, search, expected) => {
    const [line, path, fragment] = expected.split('  ') as [string, string, string];
    const found = problems(search);
    const hit = found.some((p) => p.startsWith(`${line}  ${path}  `) && p.includes(fragment));
    expect(hit, `wanted "${expected}", got:\n${found.join('\n')}`).toBe(true);
  });

  it('checks a searched warmup against the trial length instead of the base warmup', () => {
    const base = BASE.replace('warmup_steps: 100', 'warmup_steps: 5000');
    expect(problems('  parameters:\n    optimizer.warmup_steps: [10, 200]\n', base)).toEqual([]);
    expect(problems('  parameters:\n    optimizer.lr: [1.0e-3]\n', base)).toEqual([
      expect.stringMatching(/optimizer\.warmup_steps  warmup_steps 5000 must be below/),
    ]);
  });

  it('refuses bleu as the metric when BLEU is not measured', () => {
    const found = problems(
      '  kind: asha\n  metric: bleu\n  parameters:\n    optimizer.lr: [1.0e-4]\n',
      BASE.replace('eval_every_steps: 50', 'eval_every_steps: 50, eval_bleu_sentences: 0'),
    );
    expect(found).toEqual([expect.stringMatching(/^2  search\.metric  bleu is measured for translation/)]);
  });
});

describe('asha rungs', () => {
  const training = { max_steps: 900, eval_every_steps: 50 } as Parameters<typeof ashaRungs>[1];
  const search = { kind: 'asha', parameters: {}, reduction_factor: 3, metric: 'validation_loss', sampler: 'random' } as const;

  it('multiplies the first rung by the reduction factor up to max_steps', () => {
    expect(ashaRungs({ ...search, min_steps: 100 }, training)).toEqual({
      ok: true,
      rungs: { maxSteps: 900, steps: [100, 300], reductionFactor: 3, metric: 'validation_loss' },
    });
    expect(ashaRungs({ ...search, min_steps: 50, reduction_factor: 4, max_steps: 800 }, training)).toMatchObject({
      rungs: { steps: [50, 200], maxSteps: 800 },
    });
  });

  it('defaults the first rung to max_steps / eta^2 on an evaluation step', () => {
    // 900 / 9 = 100: rungs 100, 300 (900 is the end).
    expect(ashaRungs(search, training)).toMatchObject({ rungs: { steps: [100, 300] } });
    // 900 / 16 = 56.25 -> 50.
    expect(ashaRungs({ ...search, reduction_factor: 4 }, training)).toMatchObject({ rungs: { steps: [50, 200, 800] } });
  });

  it('names the field when no rung can be evaluated', () => {
    expect(ashaRungs(search, { max_steps: 900, eval_every_steps: 200 } as typeof training)).toMatchObject({ ok: false, field: 'max_steps' });
  });
});
