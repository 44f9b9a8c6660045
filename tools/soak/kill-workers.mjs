#!/usr/bin/env node
// Soak test of recovery: `orquesta serve` with two agents trains a small model twice, once untouched
// and once while a random worker is killed with SIGKILL at random steps KILLS times; every kill must
// be followed by a restart from the last checkpoint, the run must finish, and its final parameters
// must equal the untouched run's bit for bit. Prints one JSON line with the figures.
//
//   node tools/soak/kill-workers.mjs [--kills 50] [--steps 800] [--seed 1]
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSoak, sleep, startLocalCluster } from './local-cluster.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
if ('help' in args || 'h' in args) {
  console.log('node tools/soak/kill-workers.mjs [--kills 50] [--steps 800] [--seed 1]');
  process.exit(0);
}
const KILLS = Number(args.kills ?? 50);
const STEPS = Number(args.steps ?? Math.max(200, KILLS * 16));
let seed = Number(args.seed ?? 1);
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const dir = mkdtempSync(join(tmpdir(), 'orquesta-soak-'));
let cluster;
const started = Date.now();

async function main() {
  cluster = await startLocalCluster({ dir, agents: 2 });
  const { status } = cluster;
  const spec = join(dir, 'soak.yaml');
  writeFileSync(
    spec,
    [
      'name: soak',
      'task: translation',
      'data: { train: data/spa-eng/valid.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en, max_len: 16 }',
      'tokenizer: { kind: bpe, vocab_size: 500, shared: true }',
      'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1, max_len: 20 }',
      'optimizer: { warmup_steps: 5 }',
      `training: { max_tokens_per_batch: 256, max_steps: ${STEPS}, log_every_steps: 5, eval_every_steps: ${STEPS} }`,
      'resources: { workers: 2 }',
      'collective: { timeout_s: 10 }',
      `checkpoint: { every_steps: 10, keep_last: 2, dir: ${join(dir, 'runs')} }`,
      `fault_tolerance: { max_restarts: ${KILLS + 5} }`,
    ].join('\n'),
  );
  const submit = () => cluster.submit(spec);
  const until = async (id, pred, ms) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const s = await status(id);
      if (pred(s)) return s;
      if (Date.now() > deadline) throw new Error(`experiment ${id} stuck: ${JSON.stringify(s)}`);
      await sleep(100);
    }
  };
  const ended = (s) => ['succeeded', 'failed', 'cancelled'].includes(s.state);
  const reference = await until(submit(), ended, 30 * 60_000);
  const id = submit();
  let injected = 0;
  let recovered = 0;
  const detection = [];
  for (let k = 0; k < KILLS; k++) {
    const s = await until(
      id,
      (x) =>
        ended(x) ||
        (x.state === 'running' &&
          x.trials[0].restarts === k &&
          x.trials[0].workers.every((w) => w.state === 'running' && w.pid) &&
          x.trials[0].step >= (x.trials[0].lastCheckpoint ? 1 : 0) + Math.floor(rnd() * 8)),
      10 * 60_000,
    );
    if (ended(s)) break;
    const victim = s.trials[0].workers[Math.floor(rnd() * s.trials[0].workers.length)];
    const t = Date.now();
    try {
      process.kill(victim.pid, 'SIGKILL');
    } catch {
      continue;
    }
    injected++;
    await until(id, (x) => x.trials[0].restarts === k + 1, 60_000);
    detection.push(Date.now() - t);
    recovered++;
    // Let it get past a new checkpoint so the next kill lands at a different step.
    const at = s.trials[0].step;
    await until(id, (x) => ended(x) || x.trials[0].step >= at + 10 + Math.floor(rnd() * 6), 10 * 60_000);
  }
  const done = await until(id, ended, 30 * 60_000);
  const model = (s) => readFileSync(join(s.trials[0].lastCheckpoint, 'model.safetensors'));
  const equal = done.state === 'succeeded' && reference.state === 'succeeded' && model(done).equals(model(reference));
  detection.sort((a, b) => a - b);
  const result = {
    runs: 2,
    steps: STEPS,
    faults_injected: injected,
    recovered,
    lost: injected - recovered,
    final_state: done.state,
    restarts: done.trials[0].restarts,
    bitwise_equal_to_uninterrupted: equal,
    restart_detect_ms_median: detection[detection.length >> 1] ?? null,
    restart_detect_ms_max: detection.at(-1) ?? null,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  console.log(JSON.stringify(result));
  return equal && injected === KILLS ? 0 : 1;
}

runSoak(main, { dir, stop: () => cluster?.stop() });
