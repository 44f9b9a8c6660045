#!/usr/bin/env node
// Goodput soak: `orquesta serve` with one 1-slot agent per worker trains a Spanish -> English model
// (the quick-start architecture on the full spa-eng training set): once untouched, then while a random
// worker is killed with SIGKILL every KILL_EVERY seconds for MINUTES minutes, recovering by
// checkpoint restart (`--mode checkpoint`), by peer recovery (`--mode peer`: only the killed worker is
// replaced, the others keep their state), or both one after the other with the same kill schedule
// (`--mode both`). Prints, per mode, one JSON line: the killed run's goodput as the coordinator
// accounts it (productive step seconds / wall seconds, and where the rest went), the kills and
// recoveries, the steps trained twice, the time from each kill to training again, and whether the
// final parameters equal the untouched run's bit for bit.
//
//   node tools/soak/goodput.mjs [--minutes 10] [--kill-every 60] [--mode checkpoint|peer|both] [--workers 2]
//                               [--steps N] [--checkpoint-every 100] [--seed 1] [--json]
//
// --steps defaults to what the untouched run trains in MINUTES minutes, measured by a short probe.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSoak, sleep, startLocalCluster } from './local-cluster.mjs';

const USAGE =
  'node tools/soak/goodput.mjs [--minutes 10] [--kill-every 60] [--mode checkpoint|peer|both] [--workers 2] [--steps N] [--checkpoint-every 100] [--seed 1] [--json]';
const argv = process.argv.slice(2);
const args = {};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (!a.startsWith('--')) fail(`unexpected argument ${a}`);
  const name = a.slice(2);
  if (name === 'json' || name === 'help') args[name] = true;
  else if (i + 1 < argv.length) args[name] = argv[++i];
  else fail(`--${name} needs a value`);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const number = (name, dflt, min) => {
  const v = args[name] === undefined ? dflt : Number(args[name]);
  if (!Number.isFinite(v) || v < min) fail(`--${name} must be a number >= ${min}, got ${args[name]}`);
  return v;
};
const MINUTES = number('minutes', 10, 0.1);
const KILL_EVERY = number('kill-every', 60, 1);
const WORKERS = number('workers', 2, 2);
const CHECKPOINT_EVERY = number('checkpoint-every', 100, 1);
const MODE = args.mode ?? 'checkpoint';
if (!['checkpoint', 'peer', 'both'].includes(MODE)) fail(`--mode must be checkpoint, peer or both, got ${MODE}`);
const SEED = number('seed', 1, 0);

function fail(message) {
  console.error(`goodput soak: ${message}\nusage: ${USAGE}`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'orquesta-goodput-'));
let cluster;
const started = Date.now();
const say = (line) => !args.json && console.error(`[${Math.round((Date.now() - started) / 1000)} s] ${line}`);
const median = (xs) => (xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[xs.length >> 1]);

async function main() {
  cluster = await startLocalCluster({ dir, agents: WORKERS, prefix: 'g' });
  const { submit, status, events } = cluster;
  const specFile = (name, steps, recovery = 'checkpoint') => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      [
        `name: ${name}`,
        'task: translation',
        'data: { train: data/spa-eng/train.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en, max_len: 20 }',
        'tokenizer: { kind: bpe, vocab_size: 4000, shared: true }',
        'model: { d_model: 128, heads: 4, d_ff: 512, encoder_layers: 2, decoder_layers: 2, dropout: 0.1, max_len: 24 }',
        'optimizer: { kind: adam, lr: 2.0e-3, betas: [0.9, 0.98], warmup_steps: 150, schedule: inverse_sqrt, clip_norm: 1.0 }',
        `training: { max_tokens_per_batch: 1024, max_steps: ${steps}, label_smoothing: 0.1, seed: 1, eval_every_steps: ${steps}, log_every_steps: 20 }`,
        `resources: { workers: ${WORKERS} }`,
        'collective: { timeout_s: 10 }',
        `checkpoint: { every_steps: ${CHECKPOINT_EVERY}, keep_last: 2, dir: ${join(dir, name)} }`,
        `fault_tolerance: { max_restarts: 1000, recovery: ${recovery}, max_replacements: 1000 }`,
      ].join('\n'),
    );
    return file;
  };
  const until = async (id, pred, ms) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const s = await status(id);
      if (pred(s)) return s;
      if (Date.now() > deadline) throw new Error(`experiment ${id} stuck: ${JSON.stringify(s).slice(0, 2000)}`);
      await sleep(100);
    }
  };
  const ended = (s) => ['succeeded', 'failed', 'cancelled'].includes(s.state);
  const training = (s) => s.state === 'running' && s.trials[0].workers.length === WORKERS && s.trials[0].workers.every((w) => w.state === 'running' && w.pid);

  let steps = args.steps === undefined ? undefined : number('steps', 0, 1);
  if (steps === undefined) {
    // Probe: steps per second of the untouched model once it trains (tokenizer, start-up excluded).
    const probe = submit(specFile('probe', 100_000));
    const a = await until(probe, (s) => training(s) && s.trials[0].step >= 20, 10 * 60_000);
    const t0 = Date.now();
    const b = await until(probe, (s) => Date.now() - t0 >= 30_000 && s.trials[0].step > a.trials[0].step, 10 * 60_000);
    const rate = (b.trials[0].step - a.trials[0].step) / ((Date.now() - t0) / 1000);
    cluster.orquesta(['cancel', String(probe)]);
    await until(probe, ended, 5 * 60_000);
    steps = Math.max(CHECKPOINT_EVERY * 2, Math.round(rate * MINUTES * 60));
    say(`probe: ${rate.toFixed(2)} steps/s; ${steps} steps in ${MINUTES} min`);
  }

  say(`untouched run: ${steps} steps`);
  const refId = submit(specFile('reference', steps));
  const reference = await until(refId, ended, 24 * 60 * 60_000);
  say(`untouched run ${reference.state}: goodput ${reference.trials[0].goodput?.goodput}`);

  let ok = true;
  for (const mode of MODE === 'both' ? ['checkpoint', 'peer'] : [MODE]) {
    const result = await killedRun(mode, steps, reference);
    console.log(JSON.stringify({ ...result, seconds: Math.round((Date.now() - started) / 1000) }));
    ok &&= result.bitwise_equal && result.recovered === result.kills;
  }
  return ok ? 0 : 1;

  /** The run under kills, recovering by `mode`; the same kill schedule (seed) for every mode. */
  async function killedRun(mode, steps, reference) {
    let seed = SEED;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const id = submit(specFile(`killed-${mode}`, steps, mode));
    const kills = [];
    // Back to training after a kill: the restarted workers resumed (rank 0's "started" event of the
    // next attempt), or the group formed again with the replacement ("peer-recovered").
    const recoveries = (list) => list.filter((e) => e.kind === 'started' || e.kind === 'peer-recovered').length;
    await until(id, (s) => ended(s) || training(s), 30 * 60_000);
    const killStart = Date.now();
    // Kills at KILL_EVERY, 2 KILL_EVERY, ... seconds after training began, up to MINUTES minutes.
    const planned = Math.floor((MINUTES * 60) / KILL_EVERY);
    for (let k = 1; k <= planned; k++) {
      const next = killStart + k * KILL_EVERY * 1000;
      while (Date.now() < next && !ended(await status(id))) await sleep(200);
      const s = await until(id, (x) => ended(x) || training(x), 10 * 60_000);
      if (ended(s)) break;
      const workers = s.trials[0].workers;
      const victim = workers[Math.floor(rnd() * workers.length)];
      const before = recoveries(await events(id));
      try {
        process.kill(victim.pid, 'SIGKILL');
      } catch {
        continue;
      }
      const kill = { at: Date.now(), rank: victim.rank, step: s.trials[0].step, recoveredMs: null };
      kills.push(kill);
      say(`${mode}: kill ${kills.length}: rank ${victim.rank} (pid ${victim.pid}) near step ${kill.step}`);
      const restartsBefore = (await events(id)).filter((e) => e.kind === 'started').length;
      for (const deadline = Date.now() + 10 * 60_000; Date.now() < deadline; await sleep(100)) {
        const list = await events(id);
        if (recoveries(list) > before) {
          kill.recoveredMs = Date.now() - kill.at;
          kill.restarted = list.filter((e) => e.kind === 'started').length > restartsBefore;
          break;
        }
        if (ended(await status(id))) break;
      }
      say(`  training again after ${kill.recoveredMs} ms`);
    }
    const done = await until(id, ended, 24 * 60 * 60_000);
    const list = await events(id);
    // A checkpoint restart redoes the steps from the checkpoint it resumed from to where the run had
    // got (status lags by up to log_every_steps); a peer recovery redoes the interrupted step only.
    const resumes = list
      .flatMap((e) => (e.kind === 'started' ? [/resumed from step (\d+)/.exec(e.message)] : []))
      .filter(Boolean)
      .map((m) => Number(m[1]));
    const peerRecovered = list.filter((e) => e.kind === 'peer-recovered').length;
    const restartedKills = kills.filter((k) => k.restarted);
    const replayed = peerRecovered + restartedKills.slice(0, resumes.length).reduce((n, k, i) => n + Math.max(0, k.step - resumes[i]), 0);
    const model = (s) => readFileSync(join(s.trials[0].lastCheckpoint, 'model.safetensors'));
    const bitwise = done.state === 'succeeded' && reference.state === 'succeeded' && model(done).equals(model(reference));
    const g = done.trials[0].goodput;
    return {
      mode,
      minutes: MINUTES,
      kill_every_s: KILL_EVERY,
      workers: WORKERS,
      steps,
      checkpoint_every_steps: CHECKPOINT_EVERY,
      final_state: done.state,
      goodput: g?.goodput ?? null,
      time_use_s: g?.seconds ?? null,
      wall_s: g?.wallSeconds ?? null,
      reference_goodput: reference.trials[0].goodput?.goodput ?? null,
      reference_wall_s: reference.trials[0].goodput?.wallSeconds ?? null,
      kills: kills.length,
      recovered: kills.filter((k) => k.recoveredMs !== null).length,
      peer_recoveries: peerRecovered,
      restarts: done.trials[0].restarts,
      replayed_steps: replayed,
      recover_s_median: median(kills.flatMap((k) => (k.recoveredMs === null ? [] : [k.recoveredMs / 1000]))),
      bitwise_equal: bitwise,
    };
  }
}

runSoak(main, { dir, stop: () => cluster?.stop() });
