#!/usr/bin/env node
// Soak test of recovery under `orquesta train` (the embedded coordinator): trains a small model twice
// on this machine, once untouched and once while a random worker is killed with SIGKILL KILLS times
// (each some random time after the workers are back); every kill must be followed by a restart from
// the last checkpoint, the run must finish, and its final parameters must equal the untouched run's
// bit for bit. Prints one JSON line with the figures.
//
//   node tools/soak/kill-train-workers.mjs [--kills 10] [--steps KILLS*150] [--seed 1]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'apps/cli/bin/orquesta.js');
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
if ('help' in args || 'h' in args) {
  console.log('node tools/soak/kill-train-workers.mjs [--kills 10] [--steps KILLS*150] [--seed 1]');
  process.exit(0);
}
const KILLS = Number(args.kills ?? 10);
const STEPS = Number(args.steps ?? Math.max(200, KILLS * 150));
let seed = Number(args.seed ?? 1);
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const dir = mkdtempSync(join(tmpdir(), 'orquesta-soak-train-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? null;

writeFileSync(
  join(dir, 'soak.yaml'),
  [
    'name: soak',
    'task: translation',
    'data: { train: data/spa-eng/valid.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en, max_len: 16 }',
    'tokenizer: { kind: bpe, vocab_size: 500, shared: true }',
    'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1, max_len: 20 }',
    'optimizer: { kind: adam, lr: 1.0e-3, warmup_steps: 5 }',
    `training: { max_tokens_per_batch: 256, max_steps: ${STEPS}, log_every_steps: 5, eval_every_steps: ${STEPS} }`,
    'resources: { workers: 2 }',
    'collective: { timeout_s: 10 }',
    `checkpoint: { every_steps: 10, keep_last: 2 }`,
    `fault_tolerance: { max_restarts: ${KILLS} }`,
  ].join('\n'),
);

/** Runs `orquesta train`; `onLine` sees each stderr line with the child. Resolves with the exit code and the summary. */
function train(runDir, onLine = () => {}) {
  const child = spawn(process.execPath, [BIN, 'train', join(dir, 'soak.yaml'), '--set', `checkpoint.dir=${runDir}`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let partial = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line, child);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, summary: JSON.parse(stdout.trim().split('\n').at(-1) || 'null') })));
}

const started = Date.now();
const clean = await train(join(dir, 'clean'));
if (clean.code !== 0) throw new Error(`the untouched run failed (exit ${clean.code})`);

const pids = new Map();
let killedAt = 0;
let kills = 0;
const restartMs = [];
const backMs = [];
const timers = [];
const armKill = () => {
  if (kills >= KILLS) return;
  // Some random time after the ranks are back: a few steps in, sometimes past a checkpoint.
  timers.push(
    setTimeout(
      () => {
        const rank = Math.floor(rnd() * 2);
        const pid = pids.get(rank);
        if (!pid) return;
        killedAt = Date.now();
        kills++;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          kills--;
        }
      },
      300 + rnd() * 1500,
    ),
  );
};
const chaos = await train(join(dir, 'chaos'), (line) => {
  const pid = /^\[rank (\d+)\] pid (\d+)$/.exec(line);
  if (pid) pids.set(Number(pid[1]), Number(pid[2]));
  if (/restarting -> queued: restart/.test(line) && killedAt) restartMs.push(Date.now() - killedAt);
  if (/M parameters on .*(starting from|resuming from) step/.test(line)) {
    if (killedAt) backMs.push(Date.now() - killedAt);
    killedAt = 0;
    armKill();
  }
});
for (const t of timers) clearTimeout(t);

const model = (run) => readFileSync(join(run, `step-${String(STEPS).padStart(8, '0')}`, 'model.safetensors'));
const equal = chaos.code === 0 && model(join(dir, 'chaos')).equals(model(join(dir, 'clean')));
console.log(
  JSON.stringify({
    kills,
    restarts_seen: restartMs.length,
    finished: chaos.code === 0,
    bitwise_equal: equal,
    kill_to_restart_event_ms_median: median(restartMs),
    kill_to_restart_event_ms_max: restartMs.length ? Math.max(...restartMs) : null,
    kill_to_training_again_ms_median: median(backMs),
    steps: STEPS,
    seconds: Math.round((Date.now() - started) / 1000),
  }),
);
rmSync(dir, { recursive: true, force: true });
if (kills < KILLS) console.error(`the run finished after ${kills} of ${KILLS} kills; raise --steps`);
process.exit(equal && kills === KILLS && restartMs.length === kills ? 0 : 1);
