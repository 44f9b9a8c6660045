import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainingSpec } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import { DataConfigError } from '../errors.js';
import { SPECIAL_COUNT } from '../special-ids.js';
import { formatDataReport } from './data-report.js';
import { createLanguageModelData } from './language-model-data.js';
import type { DataPipelineSpec } from './translation-data.js';

const SHAKESPEARE = fileURLToPath(new URL('../../../../data/tinyshakespeare/input.txt.gz', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'orquesta-lm-'));

const training: TrainingSpec = {
  max_tokens_per_batch: 4096,
  accumulate: 1,
  max_steps: 5000,
  label_smoothing: 0,
  seed: 1,
  eval_every_steps: 250,
  eval_bleu_sentences: 0,
  log_every_steps: 50,
  consistency_every_steps: 500,
};

// configs/shakespeare-lm.yaml: char tokenizer, 128-token windows, 4,096 tokens per batch.
const shakespeare: DataPipelineSpec = {
  data: { train: SHAKESPEARE, columns: { en: 0, es: 1 }, max_len: 128, overlong: 'drop', malformed: 'skip' },
  tokenizer: { kind: 'char', vocab_size: 8000, shared: true },
  training,
};

describe('createLanguageModelData', () => {
  it('streams tiny Shakespeare into 32 x 128 windows, sharded evenly and disjointly over 2 ranks', async () => {
    const tokenizerPath = join(dir, 'char.json');
    const r0 = await createLanguageModelData(shakespeare, { rank: 0, worldSize: 2, tokenizerPath });
    const r1 = await createLanguageModelData(shakespeare, { rank: 1, worldSize: 2, tokenizerPath });
    expect(r0.report.tokenizers[0]?.outcome).toBe('trained');
    expect(r1.report.tokenizers[0]?.outcome).toBe('loaded');
    expect(r0.tokenizer.vocabSize).toBe(SPECIAL_COUNT + 65);
    expect(r0.trainStream).toHaveLength(1_115_394);
    expect(r0.tokenizer.decode(r0.trainStream.subarray(0, 14))).toBe('First Citizen:');

    const perRank = r0.train.batchesPerEpoch();
    expect(r1.train.batchesPerEpoch()).toBe(perRank);
    // 1,115,394 tokens hold at least 8,713 windows of 128 (+1); 272 batches of 32; 136 per rank.
    expect(perRank).toBe(136);
    const starts = new Set<number>();
    for (const data of [r0, r1]) {
      for (let k = 0; k < perRank; k++) {
        const b = data.train.next();
        expect(b).toMatchObject({ size: 32, len: 128, tokens: 4096 });
        expect(b.input[1]).toBe(b.target[0]);
        for (const s of b.starts) {
          expect(starts.has(s)).toBe(false);
          starts.add(s);
        }
      }
    }
    expect(starts.size).toBe(272 * 32);
    expect(r0.valid).toEqual([]);
  }, 30_000);

  it('trains a BPE vocabulary on plain text and batches a validation file for every rank', async () => {
    const text = Array.from({ length: 400 }, (_, i) => `Line ${i}: to be, or not to be, that is the question.`).join('\n') + '\n';
    writeFileSync(join(dir, 'train.txt'), text);
    writeFileSync(join(dir, 'valid.txt'), text.slice(0, 5000));
    const spec: DataPipelineSpec = {
      data: { train: 'train.txt', valid: 'valid.txt', columns: {}, max_len: 16, overlong: 'drop', malformed: 'skip' },
      tokenizer: { kind: 'bpe', vocab_size: 120, shared: true },
      training: { ...training, max_tokens_per_batch: 64 },
    };
    const ranks = await Promise.all(
      [0, 1].map((rank) => createLanguageModelData(spec, { rank, worldSize: 2, tokenizerPath: join(dir, `bpe-${rank}.json`), baseDir: dir })),
    );
    const [a, b] = ranks as [(typeof ranks)[0], (typeof ranks)[0]];
    // Merges learned, up to the budget (training stops early when no pair repeats: this text has few distinct words).
    expect(a.tokenizer.vocabSize).toBeGreaterThan(SPECIAL_COUNT + new Set(text).size + 20);
    expect(a.tokenizer.vocabSize).toBeLessThanOrEqual(120);
    expect(a.tokenizer.decode(a.trainStream)).toBe(text);
    expect(a.valid.length).toBeGreaterThan(0);
    expect(b.valid.length).toBe(a.valid.length);
    expect(a.valid[0]?.size).toBe(4);
  });

  it('holds out the end of the text for validation at a line break (holdout 0.1)', async () => {
    const options = { rank: 0, worldSize: 2, tokenizerPath: join(dir, 'char.json') };
    const whole = await createLanguageModelData(shakespeare, options);
    const split = await createLanguageModelData({ ...shakespeare, data: { ...shakespeare.data, holdout: 0.1 } }, options);
    const nl = split.tokenizer.encode('\n')[0]!;
    const cut = split.trainStream.length;
    expect(cut).toBeGreaterThanOrEqual(Math.floor(1_115_394 * 0.9));
    expect(cut).toBeLessThan(Math.floor(1_115_394 * 0.9) + 200);
    expect(split.trainStream[cut - 1]).toBe(nl);
    expect(split.trainStream).toEqual(whole.trainStream.subarray(0, cut));
    // The last 10 % (111,539 tokens, minus the line the cut moved past) in windows of 129: 864 windows, 27 batches of 32, 13 per rank.
    expect(split.valid.length).toBeGreaterThan(10);
    expect(split.valid[0]!.input[0]).toBe(whole.trainStream[cut]);
    expect(split.report.valid?.size).toBe(1_115_394 - cut);
    expect(formatDataReport(split.report)).toContain(`valid: the last ${1_115_394 - cut} tokens (10 %) of ${SHAKESPEARE}, held out (data.holdout)`);
  }, 30_000);

  it('rejects a budget below one window and a world larger than the corpus', async () => {
    const options = { rank: 0, worldSize: 1, tokenizerPath: join(dir, 'char.json') };
    await expect(createLanguageModelData({ ...shakespeare, training: { ...training, max_tokens_per_batch: 100 } }, options)).rejects.toThrow(DataConfigError);
    writeFileSync(join(dir, 'tiny.txt'), 'too short\n');
    const tiny = { ...shakespeare, data: { ...shakespeare.data, train: join(dir, 'tiny.txt') } };
    await expect(createLanguageModelData(tiny, { ...options, tokenizerPath: join(dir, 'tiny.json') })).rejects.toThrow(/cannot give each of 1 ranks a batch/);
  });
});
