import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../store/store.js';
import { checkSubmission, createSubmitted, existsUnder } from './submission.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'orquesta-submission-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = (search = '') =>
  [
    'name: again',
    'task: translation',
    'data: { train: data/spa-eng/valid.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en }',
    'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1 }',
    'optimizer: { warmup_steps: 5 }',
    'training: { max_steps: 10 }',
    `checkpoint: { dir: ${join(dir, 'runs')} }`,
    search,
  ].join('\n');

function checked(text: string) {
  const result = checkSubmission(text, 'again.yaml', { baseDir: ROOT, pathRoots: [ROOT, dir], slurm: false });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.spec;
}

describe('where a new experiment checkpoints', () => {
  it("does not take over an earlier database's experiment directory of the same id: its trials would resume from those checkpoints", () => {
    // A coordinator with a fresh database numbers experiments from 1 again; exp-1 holds the old run's checkpoints.
    mkdirSync(join(dir, 'runs', 'exp-1', 'step-00000010'), { recursive: true });
    writeFileSync(join(dir, 'runs', 'exp-1', 'step-00000010', 'manifest.json'), '{}');
    mkdirSync(join(dir, 'runs', 'exp-1-2'));
    const store = new Store(':memory:');
    const taken = existsUnder(ROOT);
    const first = createSubmitted(store, checked(spec()), spec(), {}, 'per-experiment', taken);
    expect(store.trial(first.trials[0]!).checkpointDir).toBe(join(dir, 'runs', 'exp-1-3'));
    expect(JSON.parse(store.trial(first.trials[0]!).specJson).checkpoint.dir).toBe(join(dir, 'runs', 'exp-1-3'));
    expect(store.events(first.id).map((e) => e.message)).toContain(
      `${join(dir, 'runs', 'exp-1')} holds another experiment's checkpoints (an earlier coordinator database?): checkpointing into ${join(dir, 'runs', 'exp-1-3')} instead`,
    );
    // A free id keeps the plain name; a search's trials share the experiment's directory.
    const search = 'search: { kind: grid, parameters: { optimizer.lr: [1.0e-3, 2.0e-3] } }';
    const second = createSubmitted(store, checked(spec(search)), spec(search), {}, 'per-experiment', taken);
    expect(second.trials.map((t) => store.trial(t).checkpointDir)).toEqual([0, 1].map((i) => join(dir, 'runs', 'exp-2', `trial-${i}`)));
    store.close();
  });
});
