/**
 * The quick-start recipe learns: after 120 steps on 2 workers its validation loss is below the
 * entropy of the validation targets' own unigram distribution. That is the loss of the best model
 * that ignores the source sentence and every earlier target token, so beating it means the model
 * reads its inputs (a shortened run of the README's quick start).
 */
import { join } from 'node:path';
import { forEachPair, loadTokenizer, SPECIAL_IDS } from '@orquesta/data';
import { describe, expect, it } from 'vitest';
import { ROOT, startTrain, tempDir } from './train-cli.js';

async function unigramEntropy(tokenizerFile: string, validFile: string): Promise<number> {
  const tokenizer = await loadTokenizer(tokenizerFile);
  const counts = new Map<number, number>();
  let total = 0;
  await forEachPair(validFile, { sourceColumn: 1, targetColumn: 0 }, ({ target }) => {
    for (const id of [...tokenizer.encode(target), SPECIAL_IDS.eos]) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
      total++;
    }
  });
  let entropy = 0;
  for (const n of counts.values()) entropy -= (n / total) * Math.log(n / total);
  return entropy;
}

describe('configs/quickstart.yaml', () => {
  it('beats the unigram entropy of the validation targets after 120 steps', async () => {
    const dir = tempDir();
    const run = await startTrain([
      join(ROOT, 'configs/quickstart.yaml'),
      '--set',
      'training.max_steps=120',
      '--set',
      'optimizer.warmup_steps=60',
      '--set',
      'training.eval_every_steps=1000',
      '--set',
      `checkpoint.dir=${join(dir, 'run')}`,
    ]).done;
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    const entropy = await unigramEntropy(join(dir, 'run', 'tokenizer.json'), join(ROOT, 'data/spa-eng/valid.tsv.gz'));
    expect(entropy).toBeGreaterThan(4);
    expect(summary.valid_loss).toBeLessThan(entropy);
  });
});
