#!/usr/bin/env node
// Runs `orquesta bench model` (tfjs, wasm or wasm-native) and the PyTorch CPU reference (torch_model_bench.py)
// alternately, R times each, in one invocation on the same machine, and prints each side's
// target tokens/s and the ratio with median, min and max over the repeats.
// Usage: node tools/bench/compare-model.mjs [--repeats 3] [--steps 5] [--backend wasm|wasm-native] [--model bench|base|big]
//        [--batch 64] [--length 32] [--json]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchEnv, formatStats, stats } from './compare-common.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    steps: { type: 'string', default: '5' },
    backend: { type: 'string', default: 'wasm' },
    model: { type: 'string', default: 'bench' },
    batch: { type: 'string', default: '64' },
    length: { type: 'string', default: '32' },
    json: { type: 'boolean', default: false },
  },
});
const repeats = Number(values.repeats);
const steps = values.steps;
const env = benchEnv();
const shape = ['--model', values.model, '--batch', values.batch, '--length', values.length];

const lastJson = (text) =>
  JSON.parse(
    text
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .at(-1),
  );
const ours = [];
const theirs = [];
for (let i = 0; i < repeats; i++) {
  ours.push(
    lastJson(
      execFileSync(process.execPath, ['apps/cli/bin/orquesta.js', 'bench', 'model', '--json', '--steps', steps, '--backend', values.backend, ...shape], {
        cwd: root,
        encoding: 'utf8',
        env,
      }),
    ),
  );
  theirs.push(
    lastJson(
      execFileSync(
        '/usr/bin/python3',
        ['tools/bench/torch_model_bench.py', '--steps', steps, '--threads', '1', '--size', values.model, '--batch', values.batch, '--length', values.length],
        { cwd: root, encoding: 'utf8', env },
      ),
    ),
  );
  process.stderr.write(`repeat ${i + 1}/${repeats}: orquesta ${ours.at(-1).target_tokens_per_s} tok/s, pytorch ${theirs.at(-1).target_tokens_per_s} tok/s\n`);
}
const ratios = ours.map((o, i) => o.target_tokens_per_s / theirs[i].target_tokens_per_s);
const summary = {
  orquesta: { backend: ours[0].backend, tokens_per_s: stats(ours.map((o) => o.target_tokens_per_s)), peak_rss_mb: stats(ours.map((o) => o.peak_rss_mb)) },
  pytorch: { backend: theirs[0].backend, tokens_per_s: stats(theirs.map((t) => t.target_tokens_per_s)), peak_rss_mb: stats(theirs.map((t) => t.peak_rss_mb)) },
  ratio_orquesta_over_pytorch: stats(ratios),
  repeats,
  steps: Number(steps),
  model: values.model,
  target_tokens_per_step: Number(values.batch) * Number(values.length),
};
if (values.json) console.log(JSON.stringify(summary));
else {
  const f = formatStats;
  console.log(`orquesta ${summary.orquesta.backend}: ${f(summary.orquesta.tokens_per_s)} target tokens/s, peak RSS ${f(summary.orquesta.peak_rss_mb)} MB`);
  console.log(`pytorch ${summary.pytorch.backend}: ${f(summary.pytorch.tokens_per_s)} target tokens/s, peak RSS ${f(summary.pytorch.peak_rss_mb)} MB`);
  console.log(`ratio orquesta / pytorch: ${f(summary.ratio_orquesta_over_pytorch, 3)}`);
}
