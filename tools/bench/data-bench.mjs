// Measures the data pipeline on the spa-eng train set (119,376 pairs), each figure the median of
// several runs in fresh Node processes (cold JIT, cold tokenizer cache):
//   bpe-train  stream train.tsv.gz, count pieces of both columns, learn the 8,000-id BPE
//   tokenize   stream train.tsv.gz and encode both columns with that BPE (loaded from JSON)
//   data-time  time a training loop waits for batches from the Prefetcher (bench spec: 2,048
//              tokens per batch, max_len 32) over 200 steps that cross an epoch boundary, against
//              a simulated asynchronous step (--step-ms); the first batch of a run is reported
//              apart (it plans the epoch while the loop waits)
// Usage (after `npx tsc -b tsconfig.build.json`):
//   node tools/bench/data-bench.mjs [--runs 5] [--step-ms 50]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BatchIterator, BpeTrainer, forEachPair, loadTokenizer, pairPlanner, PairCorpusBuilder, Prefetcher, saveTokenizer } from '@orquesta/data';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRAIN = join(ROOT, 'data/spa-eng/train.tsv.gz');
const COLUMNS = { sourceColumn: 1, targetColumn: 0, malformed: 'fail' };
const args = process.argv.slice(2);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

async function trainOnce(tokenizerFile) {
  const started = performance.now();
  const trainer = new BpeTrainer({ vocabSize: 8000 });
  await forEachPair(TRAIN, COLUMNS, (p) => {
    trainer.addText(p.source);
    trainer.addText(p.target);
  });
  const counted = performance.now();
  const tokenizer = trainer.train();
  const done = performance.now();
  await saveTokenizer(tokenizer, tokenizerFile);
  return { bpeTrainMs: done - started, bpeLearnMs: done - counted, vocabSize: tokenizer.vocabSize };
}

async function tokenizeOnce(tokenizerFile) {
  const tokenizer = await loadTokenizer(tokenizerFile);
  const started = performance.now();
  let tokens = 0;
  const builder = new PairCorpusBuilder(32, 'drop');
  await forEachPair(TRAIN, COLUMNS, (p) => {
    const src = tokenizer.encode(p.source);
    const tgt = tokenizer.encode(p.target);
    tokens += src.length + tgt.length;
    builder.add(src, tgt, p.line);
  });
  return { tokenizeMs: performance.now() - started, tokens, corpus: builder.build().corpus };
}

async function dataTimeOnce(corpus, stepMs) {
  const iterator = new BatchIterator(pairPlanner(corpus, 2048), { seed: 1, rank: 0, worldSize: 1 });
  const steps = 200;
  // Synchronous preparation cost of one batch (no prefetch), over a whole epoch.
  const plain = new BatchIterator(pairPlanner(corpus, 2048), { seed: 1, rank: 0, worldSize: 1 });
  const prep = [];
  for (let k = 0; k < plain.batchesPerEpoch(); k++) {
    const t = performance.now();
    plain.next();
    prep.push(performance.now() - t);
  }
  // Start 100 batches before the end of epoch 0, so the loop crosses an epoch boundary (planning
  // the next epoch: sort and shuffle of all pairs) and must hide it behind a step.
  iterator.restore({ ...iterator.state(), position: iterator.batchesPerEpoch(0) - steps / 2 });
  const prefetcher = new Prefetcher(iterator, { depth: 4 });
  const t0 = performance.now();
  await prefetcher.next();
  const firstMs = performance.now() - t0;
  await sleep(stepMs);
  const waits = [];
  for (let s = 0; s < steps; s++) {
    const t = performance.now();
    await prefetcher.next();
    waits.push(performance.now() - t);
    await sleep(stepMs);
  }
  prefetcher.close();
  const sum = (a) => a.reduce((x, y) => x + y, 0);
  return {
    prepMedianUs: median(prep) * 1000,
    prepMaxMs: Math.max(...prep),
    firstMs,
    waitMeanUs: (sum(waits) / steps) * 1000,
    waitMaxMs: Math.max(...waits),
    dataFraction: sum(waits) / (sum(waits) + steps * stepMs),
  };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

if (args.includes('--once')) {
  const file = option('--tokenizer', join(mkdtempSync(join(tmpdir(), 'orquesta-bench-')), 'bpe.json'));
  const stepMs = Number(option('--step-ms', '50'));
  const train = await trainOnce(file);
  const { corpus, ...tokenize } = await tokenizeOnce(file);
  const data = await dataTimeOnce(corpus, stepMs);
  process.stdout.write(JSON.stringify({ ...train, ...tokenize, ...data }) + '\n');
} else {
  const runs = Number(option('--runs', '5'));
  const stepMs = option('--step-ms', '50');
  const results = [];
  for (let r = 0; r < runs; r++) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--once', '--step-ms', stepMs], { encoding: 'utf8' });
    results.push(JSON.parse(out));
    console.error(`run ${r + 1}/${runs}: ${out.trim()}`);
  }
  const med = (key) => median(results.map((r) => r[key]));
  const summary = {
    runs,
    node: process.version,
    bpeTrainS: +(med('bpeTrainMs') / 1000).toFixed(2),
    bpeLearnS: +(med('bpeLearnMs') / 1000).toFixed(2),
    tokenizeS: +(med('tokenizeMs') / 1000).toFixed(2),
    tokens: results[0].tokens,
    batchPrepMedianUs: +med('prepMedianUs').toFixed(1),
    batchPrepMaxMs: +med('prepMaxMs').toFixed(2),
    firstBatchMs: +med('firstMs').toFixed(2),
    dataWaitMeanUs: +med('waitMeanUs').toFixed(1),
    dataWaitMaxMs: +med('waitMaxMs').toFixed(2),
    stepMs: Number(stepMs),
    dataTimePercent: +(med('dataFraction') * 100).toFixed(3),
  };
  console.log(JSON.stringify(summary, null, 2));
  if (option('--out', undefined)) writeFileSync(option('--out'), JSON.stringify({ summary, results }, null, 2) + '\n');
}
