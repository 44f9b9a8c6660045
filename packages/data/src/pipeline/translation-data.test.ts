import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DataSpec, TokenizerSpec, TrainingSpec } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import { pairPlanner } from '../batching/pair-planner.js';
import { MalformedLineError } from '../errors.js';
import { BatchIterator } from '../iterator/batch-iterator.js';
import { formatDataReport } from './data-report.js';
import { createTranslationData, sidePath, type DataPipelineSpec } from './translation-data.js';

const SPA_ENG = fileURLToPath(new URL('../../../../data/spa-eng/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'orquesta-translation-'));

// A small corpus from the real data: 4,000 train lines with two malformed ones (lines 101 and 2002), 300 valid lines.
const trainLines = gunzipSync(readFileSync(join(SPA_ENG, 'train.tsv.gz')))
  .toString('utf8')
  .split('\n')
  .slice(0, 4000);
trainLines.splice(100, 0, 'no tab here');
trainLines.splice(2001, 0, 'Empty Spanish side.\t');
writeFileSync(join(dir, 'train.tsv.gz'), gzipSync(trainLines.join('\n') + '\n'));
writeFileSync(
  join(dir, 'valid.tsv'),
  gunzipSync(readFileSync(join(SPA_ENG, 'valid.tsv.gz')))
    .toString('utf8')
    .split('\n')
    .slice(0, 300)
    .join('\n') + '\n',
);

const training: TrainingSpec = {
  max_tokens_per_batch: 512,
  accumulate: 1,
  max_steps: 100,
  label_smoothing: 0.1,
  seed: 1,
  eval_every_steps: 1000,
  eval_bleu_sentences: 0,
  log_every_steps: 50,
  consistency_every_steps: 500,
};

function spec(data: Partial<DataSpec> = {}, tokenizer: Partial<TokenizerSpec> = {}): DataPipelineSpec {
  return {
    data: {
      train: 'train.tsv.gz',
      valid: 'valid.tsv',
      source: 'es',
      target: 'en',
      columns: { en: 0, es: 1 },
      max_len: 16,
      overlong: 'drop',
      malformed: 'skip',
      ...data,
    },
    tokenizer: { kind: 'bpe', vocab_size: 600, shared: true, ...tokenizer },
    training,
  };
}

describe('createTranslationData', () => {
  it('trains the tokenizer once, then every rank loads it and gets equal, disjoint shards', async () => {
    const tokenizerPath = join(dir, 'cache', 'bpe.json');
    const r0 = await createTranslationData(spec(), { rank: 0, worldSize: 2, tokenizerPath, baseDir: dir });
    const r1 = await createTranslationData(spec(), { rank: 1, worldSize: 2, tokenizerPath, baseDir: dir });
    expect(r0.report.tokenizers[0]).toMatchObject({ outcome: 'trained', vocabSize: 600 });
    expect(r1.report.tokenizers[0]).toMatchObject({ outcome: 'loaded', trainMs: 0 });
    expect(r1.sourceTokenizer.toJSON()).toEqual(r0.sourceTokenizer.toJSON());
    expect(r0.targetTokenizer).toBe(r0.sourceTokenizer);
    // Rank 0 tokenised the corpora and cached the ids beside the tokenizer; rank 1 read them.
    expect([r0.report.train.cache?.outcome, r0.report.valid?.cache?.outcome]).toEqual(['built', 'built']);
    expect([r1.report.train.cache?.outcome, r1.report.valid?.cache?.outcome]).toEqual(['loaded', 'loaded']);
    expect(r1.trainCorpus).toEqual(r0.trainCorpus);
    expect(r1.report.train.read).toEqual(r0.report.train.read);
    expect(formatDataReport(r1.report).join('\n')).toMatch(/train: token ids loaded from .*corpus-train-[0-9a-f]{16}\.bin/);

    const read = r0.report.train.read;
    expect(read).toMatchObject({ lines: 4002, records: 4000, malformed: 2, byReason: { columns: 1, 'empty-side': 1 } });
    expect(read.examples.map((m) => m.line)).toEqual([101, 2002]);
    const overlong = r0.report.train.overlong;
    expect(overlong?.dropped).toBeGreaterThan(0);
    expect(r0.trainCorpus.size).toBe(4000 - (overlong?.dropped ?? 0));
    expect(formatDataReport(r0.report).join('\n')).toMatch(/2 malformed \(columns 1, empty-side 1\); line 101 columns/);

    expect(r0.train.batchesPerEpoch()).toBe(r1.train.batchesPerEpoch());
    const seen = new Set<number>();
    for (const data of [r0, r1]) {
      for (let k = 0; k < data.train.batchesPerEpoch(); k++) {
        const b = data.train.next();
        expect(b.size * Math.max(b.srcLen, b.tgtLen)).toBeLessThanOrEqual(512);
        for (const i of b.indices) {
          expect(seen.has(i)).toBe(false);
          seen.add(i);
        }
      }
    }
    expect(seen.size).toBe(r0.trainCorpus.size);

    expect(r0.valid.length).toBe(r1.valid.length);
    const validPairs = [...r0.valid, ...r1.valid].reduce((n, b) => n + b.size, 0);
    expect(validPairs).toBe(300 - (r0.report.valid?.overlong?.dropped ?? 0));
    const first = r0.valid[0];
    expect(first && r0.targetTokenizer.decode(first.tgtOut.subarray(0, first.tgtLen))).toBeTruthy();
  });

  it('retrains a cache file that is stale or unreadable', async () => {
    const tokenizerPath = join(dir, 'stale.json');
    await createTranslationData(spec(), { rank: 0, worldSize: 1, tokenizerPath, baseDir: dir });
    const bigger = await createTranslationData(spec({}, { vocab_size: 700 }), { rank: 0, worldSize: 1, tokenizerPath, baseDir: dir });
    expect(bigger.report.tokenizers[0]).toMatchObject({ outcome: 'stale', vocabSize: 700 });
    writeFileSync(tokenizerPath, 'not json');
    const again = await createTranslationData(spec(), { rank: 0, worldSize: 1, tokenizerPath, baseDir: dir });
    expect(again.report.tokenizers[0]?.outcome).toBe('unreadable');
  });

  it('tokenises again when the cached ids are damaged or were cached for other settings', async () => {
    const tokenizerPath = join(dir, 'ids', 'bpe.json');
    const first = await createTranslationData(spec(), { rank: 0, worldSize: 1, tokenizerPath, baseDir: dir });
    const path = first.report.train.cache?.path as string;
    const bytes = readFileSync(path);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 1;
    writeFileSync(path, bytes);
    const repaired = await createTranslationData(spec(), { rank: 0, worldSize: 1, tokenizerPath, baseDir: dir });
    expect(repaired.report.train.cache).toEqual({ path, outcome: 'rebuilt' });
    expect(repaired.trainCorpus).toEqual(first.trainCorpus);
    const shorter = await createTranslationData(spec({ max_len: 8 }), { rank: 0, worldSize: 1, tokenizerPath, baseDir: dir });
    expect(shorter.report.train.cache?.outcome).toBe('built');
    expect(shorter.report.train.cache?.path).not.toBe(path);
    expect(shorter.trainCorpus.size).toBeLessThan(first.trainCorpus.size);
    const again = await createTranslationData(spec(), { rank: 0, worldSize: 1, tokenizerPath, baseDir: dir });
    expect(again.report.train.cache?.outcome).toBe('loaded');
    expect(again.trainCorpus).toEqual(first.trainCorpus);
  });

  it('trains one vocabulary per language when tokenizer.shared is false', async () => {
    const tokenizerPath = join(dir, 'split.json');
    const data = await createTranslationData(spec({}, { shared: false, vocab_size: 300 }), { rank: 0, worldSize: 1, tokenizerPath, baseDir: dir });
    expect(existsSync(sidePath(tokenizerPath, 'source'))).toBe(true);
    expect(existsSync(sidePath(tokenizerPath, 'target'))).toBe(true);
    expect(sidePath('/a.b/tok', 'target')).toBe('/a.b/tok.target');
    expect(data.sourceTokenizer.toJSON().vocab).toContain('ción');
    expect(data.targetTokenizer.toJSON().vocab).not.toContain('ción');
  });

  it('fails on the first malformed line under data.malformed fail', async () => {
    const run = createTranslationData(spec({ malformed: 'fail' }), { rank: 0, worldSize: 1, tokenizerPath: join(dir, 'fail.json'), baseDir: dir });
    await expect(run).rejects.toBeInstanceOf(MalformedLineError);
    await expect(run).rejects.toMatchObject({ line: 101 });
  });

  it('names the spec field when columns or the budget do not fit', async () => {
    const options = { rank: 0, worldSize: 1, tokenizerPath: join(dir, 'bpe-errors.json'), baseDir: dir };
    await expect(createTranslationData(spec({ source: 'fr' }), options)).rejects.toThrow(/data.columns: has no column for source language "fr"/);
    await expect(createTranslationData({ ...spec({ max_len: 64 }), training: { ...training, max_tokens_per_batch: 16 } }, options)).rejects.toThrow(
      /max_tokens_per_batch/,
    );
  });
});

describe('the spa-eng train set (bench spec: max_len 32, 2,048 tokens per batch)', () => {
  it('drops few overlong pairs and shards every epoch disjointly and evenly for 1..5 ranks', async () => {
    const bench: DataPipelineSpec = {
      ...spec({ train: join(SPA_ENG, 'train.tsv.gz'), valid: join(SPA_ENG, 'valid.tsv.gz'), max_len: 32 }, { vocab_size: 8000 }),
      training: { ...training, max_tokens_per_batch: 2048 },
    };
    const data = await createTranslationData(bench, { rank: 0, worldSize: 1, tokenizerPath: join(dir, 'spa-eng-8000.json') });
    expect(data.sourceTokenizer.vocabSize).toBe(8000);
    expect(data.report.train.read).toMatchObject({ lines: 119_376, records: 119_376, malformed: 0 });
    expect(data.report.train.overlong?.dropped).toBeLessThan(200);
    const corpus = data.trainCorpus;
    for (let worldSize = 1; worldSize <= 5; worldSize++) {
      const ranks = Array.from({ length: worldSize }, (_, rank) => new BatchIterator(pairPlanner(corpus, 2048), { seed: 1, rank, worldSize }));
      const perRank = ranks.map((it) => it.batchesPerEpoch());
      expect(new Set(perRank).size).toBe(1);
      const seen = new Uint8Array(corpus.size);
      for (const it of ranks) {
        for (let k = 0; k < (perRank[0] as number); k++) {
          const b = it.next();
          expect(b.size * Math.max(b.srcLen, b.tgtLen)).toBeLessThanOrEqual(2048);
          for (const i of b.indices) seen[i] = (seen[i] as number) + 1;
        }
      }
      expect(seen.every((c) => c === 1)).toBe(true);
    }
  }, 60_000);
});
