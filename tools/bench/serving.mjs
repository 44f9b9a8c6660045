#!/usr/bin/env node
// Serving throughput of `orquesta serve-model`: one client sending requests one at a time, then
// --clients concurrent clients, each for --seconds, translating short sentences from the validation
// set (or continuing prompts for a language model); prints requests/s and latency p50/p99 of each,
// the ratio of the two throughputs, and the p50 latency of one short sentence on an idle server.
//
//   node tools/bench/serving.mjs --checkpoint runs/quickstart [--clients 32] [--seconds 20] [--max-batch 32] [--json]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values: o } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    clients: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '20' },
    'max-batch': { type: 'string', default: '32' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (o.help || !o.checkpoint) {
  process.stdout.write(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 7)
      .map((l) => l.replace(/^\/\/ ?/, ''))
      .join('\n') + '\n',
  );
  process.exit(o.help ? 0 : 2);
}
const clients = Number(o.clients);
const seconds = Number(o.seconds);
const log = (line) => process.stderr.write(`[serving] ${line}\n`);
const quantile = (xs, q) => (xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]);
const round = (x, d = 1) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

// Short Spanish sentences of the validation set (column 1), or prompts for a language model.
const pairs = gunzipSync(readFileSync(join(ROOT, 'data/spa-eng/valid.tsv.gz')))
  .toString('utf8')
  .split('\n')
  .filter(Boolean);
const sentences = pairs
  .map((l) => l.split('\t')[1])
  .filter((s) => s && s.split(' ').length <= 8)
  .slice(0, 500);

const tokenFile = join(mkdtempSync(join(tmpdir(), 'orquesta-serving-')), 'token');
const server = spawn(
  process.execPath,
  [
    join(ROOT, 'apps/cli/bin/orquesta.js'),
    'serve-model',
    '--checkpoint',
    o.checkpoint,
    '--port',
    '0',
    '--token-file',
    tokenFile,
    '--max-batch',
    o['max-batch'],
  ],
  {
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
const url = await new Promise((resolve, reject) => {
  let err = '';
  server.stderr.on('data', (chunk) => {
    err += chunk;
    const m = / at (http:\/\/[^:]+:\d+):/.exec(err);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`serve-model exited ${code}: ${err}`)));
});
const token = readFileSync(tokenFile, 'utf8').trim();
const model = await (await fetch(`${url}/api/model`)).json();
const [path, body] =
  model.kind === 'translation' ? ['/api/translate', (s) => ({ text: s })] : ['/api/generate', (s) => ({ prompt: s.slice(0, 20), max_tokens: 20 })];
const request = async (text) => {
  const t0 = performance.now();
  const r = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body(text)),
  });
  const answer = await r.json();
  if (r.status === 400 && answer.error?.code === 'input_too_long') return null;
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${JSON.stringify(answer)}`);
  return performance.now() - t0;
};

/** `n` clients sending back to back for `seconds`: requests/s and latencies. */
async function load(n) {
  const latencies = [];
  const end = performance.now() + seconds * 1000;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (performance.now() < end) latencies.push(await request(sentences[next++ % sentences.length]));
    }),
  );
  return {
    per_s: latencies.length / ((performance.now() - t0) / 1000),
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
    requests: latencies.length,
  };
}

// Warm up, and keep the sentences the model reads whole.
const usable = [];
for (const s of sentences) if (usable.length < 200 && (await request(s)) !== null) usable.push(s);
if (usable.length === 0) throw new Error('no validation sentence fits the model');
sentences.splice(0, sentences.length, ...usable);
const idle = [];
for (let i = 0; i < 20; i++) idle.push(await request('El perro duerme.'));
log(`${model.kind} model, step ${model.step}; one client for ${seconds} s`);
const one = await load(1);
log(`one at a time: ${one.per_s.toFixed(1)} /s; ${clients} clients for ${seconds} s`);
const many = await load(clients);
server.kill('SIGTERM');
const result = {
  kind: model.kind,
  step: model.step,
  max_batch: Number(o['max-batch']),
  short_sentence_p50_ms: round(quantile(idle, 0.5)),
  one_client_per_s: round(one.per_s),
  one_client_p50_ms: round(one.p50_ms),
  clients,
  clients_per_s: round(many.per_s),
  clients_p50_ms: round(many.p50_ms),
  clients_p99_ms: round(many.p99_ms),
  speedup: round(many.per_s / one.per_s, 2),
};
if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(24)} ${v}\n`);
