#!/usr/bin/env node
// One command for every side-by-side benchmark (run it through tools/bench/compare). Each round runs,
// alternating which side goes first, on the same machine and in one invocation:
//   model      `orquesta bench model` (1 BLAS thread)        vs torch_model_bench.py (1 thread)
//   base       the same for Transformer-base's shape (`--model base`, 16 x 32 = 512 target tokens per
//              step: the micro-batch of configs/transformer-base.yaml); not in the default --only
//   allreduce  `orquesta bench allreduce` (the socket ring: native where built; and with --shared-memory auto),
//              bus bandwidth and CPU time per all-reduce
//                                                             vs gloo_allreduce.py (same sizes and ranks)
//   scaling    `orquesta bench scaling --workers 1,N --independent`
//                                                             vs PyTorch's best whole-machine configuration
//              (torch_model_bench.py with 1 and with all cores' threads, torch_ddp_bench.py N x 1 thread);
//              both sides' scaling efficiency, and N independent 1-worker trainings' (the machine's ceiling)
//   plan       `orquesta plan configs/bench.yaml --workers N --per-host N` fed with this round's model,
//              shared-memory all-reduce (what local training uses) and independent-workers (contention)
//              measurements, against the step time `bench scaling` measured (its error)
// and prints every ratio with its median, min and max over the rounds.
//
//   flock /tmp/orquesta-bench.lock tools/bench/compare --rounds 3
//
// Options: --rounds R (3)  --steps S (6: timed training steps)  --workers N (2)  --ranks LIST (2,4)
//          --bytes LIST (4MiB,64MiB)  --repeats K (20: timed all-reduces)  --only model,allreduce,scaling (or base)
//          --rank-env KEY=VALUE (repeatable, both sides' all-reduce ranks; 'recommended' adds
//          RECOMMENDED_RANK_ENV)  --json (the rounds and the summary as one JSON object)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchEnv, formatStats, stats } from './compare-common.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '6' },
    workers: { type: 'string', default: '2' },
    ranks: { type: 'string', default: '2,4' },
    bytes: { type: 'string', default: '4MiB,64MiB' },
    repeats: { type: 'string', default: '20' },
    only: { type: 'string', default: 'model,allreduce,scaling' },
    'rank-env': { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const workers = Number(values.workers);
const steps = values.steps;
const only = new Set(values.only.split(','));
const cores = availableParallelism();
const env = benchEnv();
let rankEnv = values['rank-env'];
if (rankEnv.includes('recommended')) {
  const { RECOMMENDED_RANK_ENV } = await import('../../packages/collective/dist/index.js');
  rankEnv = [...rankEnv.filter((kv) => kv !== 'recommended'), ...Object.entries(RECOMMENDED_RANK_ENV).map(([k, v]) => `${k}=${v}`)];
}

const jsonLines = (text) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
const run = (command, args, extraEnv = {}) =>
  jsonLines(execFileSync(command, args, { cwd: root, encoding: 'utf8', env: { ...env, ...extraEnv }, maxBuffer: 1 << 26 }));
const orquesta = (args, extraEnv) => run(process.execPath, ['apps/cli/bin/orquesta.js', ...args], extraEnv);
const python = (script, args) => run('/usr/bin/python3', [`tools/bench/${script}`, ...args]);
/** Runs both sides, ours first in even rounds and theirs first in odd ones. */
const sideBySide = (round, ours, theirs) => {
  if (round % 2 === 0) {
    const a = ours();
    return [a, theirs()];
  }
  const b = theirs();
  return [ours(), b];
};

const tmp = mkdtempSync(join(tmpdir(), 'orquesta-compare-'));
const rows = [];
try {
  for (let round = 0; round < rounds; round++) {
    const row = { round: round + 1 };
    // The benchmark Transformer, and Transformer-base with configs/transformer-base.yaml's 512-token micro-batch.
    for (const [key, shape] of [
      ['model', []],
      ['base', ['--model', 'base', '--batch', '16', '--length', '32']],
    ]) {
      if (!only.has(key)) continue;
      const torchShape = shape.map((a) => (a === '--model' ? '--size' : a));
      const [[ours], [torch]] = sideBySide(
        round,
        () => orquesta(['bench', 'model', ...shape, '--json', '--steps', steps], { ORQUESTA_BLAS_THREADS: '1' }),
        () => [python('torch_model_bench.py', [...torchShape, '--steps', steps, '--threads', '1']).at(-1)],
      );
      row[key] = { ours, torch, ratio: ours.target_tokens_per_s / torch.target_tokens_per_s };
    }
    if (only.has('allreduce')) {
      const common = ['--ranks', values.ranks, '--bytes', values.bytes, '--repeats', values.repeats, '--json', ...rankEnv.flatMap((kv) => ['--rank-env', kv])];
      const [[ring, shm], gloo] = sideBySide(
        round,
        () => [orquesta(['bench', 'allreduce', ...common]), orquesta(['bench', 'allreduce', '--shared-memory', 'auto', ...common])],
        () => python('gloo_allreduce.py', common),
      );
      row.allreduce = ring.map((o) => {
        const g = gloo.find((x) => x.ranks === o.ranks && x.bytes === o.bytes);
        const s = shm.find((x) => x.ranks === o.ranks && x.bytes === o.bytes && x.impl === 'orquesta-shm');
        if (s === undefined) throw new Error(`no shared-memory measurement for ${o.ranks} ranks x ${o.bytes} bytes`);
        return {
          ranks: o.ranks,
          bytes: o.bytes,
          ours: o.busbw_gbps,
          shm: s.busbw_gbps,
          gloo: g.busbw_gbps,
          ratio: o.busbw_gbps / g.busbw_gbps,
          shmRatio: s.busbw_gbps / g.busbw_gbps,
          ours_ms: o.median_ms,
          shm_ms: s.median_ms,
          gloo_ms: g.median_ms,
          ring: o.ring,
          ours_cpu_ms: o.cpu_ms_per_rank,
          gloo_cpu_ms: g.cpu_ms_per_rank,
        };
      });
      row.allreduceRows = shm;
    }
    if (only.has('scaling')) {
      const [ours, torch] = sideBySide(
        round,
        () => orquesta(['bench', 'scaling', '--workers', `1,${workers}`, '--steps', steps, '--independent', '--json']),
        () => ({
          oneThread: python('torch_model_bench.py', ['--steps', steps, '--threads', '1']).at(-1).target_tokens_per_s,
          allThreads: python('torch_model_bench.py', ['--steps', steps, '--threads', String(cores)]).at(-1).target_tokens_per_s,
          ddp: python('torch_ddp_bench.py', ['--workers', String(workers), '--steps', steps]).at(-1).target_tokens_per_s,
        }),
      );
      const n = ours.find((r) => r.workers === workers);
      const best = Math.max(torch.oneThread, torch.allThreads, torch.ddp);
      row.scaling = { one: ours.find((r) => r.workers === 1), n, torch, best, ratio: n.target_tokens_per_s / best };
    }
    if (row.model && row.allreduceRows && row.scaling) {
      // The plan's cost model, fed with this round's measurements, against the measured step.
      const profile = join(tmp, `profile-${round}.jsonl`);
      writeFileSync(profile, [row.model.ours, ...row.allreduceRows, row.scaling.n].map((r) => JSON.stringify(r)).join('\n'));
      const [plan] = orquesta([
        'plan',
        'configs/bench.yaml',
        '--workers',
        String(workers),
        '--per-host',
        String(workers),
        '--profile',
        profile,
        '--json',
        '--coordinator',
        'http://127.0.0.1:9',
      ]);
      const predicted = plan.prediction.seconds.step;
      const measured = row.scaling.n.step_s_median;
      row.plan = { predicted, measured, error: predicted / measured - 1 };
    }
    delete row.allreduceRows;
    rows.push(row);
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// Summary: one line per ratio, median (min, max) over rounds.
const lines = [];
const add = (what, xs, digits) => lines.push({ what, ...stats(xs), digits });
for (const [key, label] of [
  ['model', 'model'],
  ['base', 'Transformer-base'],
]) {
  if (!only.has(key)) continue;
  add(
    `${label}: orquesta target tokens/s (1 BLAS thread)`,
    rows.map((r) => r[key].ours.target_tokens_per_s),
    0,
  );
  add(
    `${label}: pytorch target tokens/s (1 thread)`,
    rows.map((r) => r[key].torch.target_tokens_per_s),
    0,
  );
  add(
    `${label}: ratio orquesta / pytorch`,
    rows.map((r) => r[key].ratio),
    3,
  );
}
if (only.has('allreduce')) {
  for (const [i, first] of rows[0].allreduce.entries()) {
    const label = `allreduce ${first.ranks} ranks x ${(first.bytes / 2 ** 20).toFixed(0)} MiB`;
    add(
      `${label}: orquesta socket ring (${first.ring}) bus GB/s`,
      rows.map((r) => r.allreduce[i].ours),
      3,
    );
    add(
      `${label}: orquesta socket ring CPU ms / all-reduce / rank`,
      rows.map((r) => r.allreduce[i].ours_cpu_ms),
      1,
    );
    add(
      `${label}: gloo CPU ms / all-reduce / rank`,
      rows.map((r) => r.allreduce[i].gloo_cpu_ms),
      1,
    );
    add(
      `${label}: orquesta shared memory bus GB/s`,
      rows.map((r) => r.allreduce[i].shm),
      3,
    );
    add(
      `${label}: gloo bus GB/s`,
      rows.map((r) => r.allreduce[i].gloo),
      3,
    );
    add(
      `${label}: ratio orquesta socket ring / gloo`,
      rows.map((r) => r.allreduce[i].ratio),
      3,
    );
    add(
      `${label}: ratio orquesta shared memory / gloo`,
      rows.map((r) => r.allreduce[i].shmRatio),
      3,
    );
  }
}
if (only.has('scaling')) {
  add(
    'scaling: orquesta 1 worker target tokens/s',
    rows.map((r) => r.scaling.one.target_tokens_per_s),
    0,
  );
  add(
    `scaling: orquesta ${workers} workers target tokens/s`,
    rows.map((r) => r.scaling.n.target_tokens_per_s),
    0,
  );
  add(
    `scaling: efficiency ${workers} workers`,
    rows.map((r) => r.scaling.n.efficiency),
    3,
  );
  add(
    `scaling: efficiency of ${workers} independent 1-worker trainings at once (no all-reduce)`,
    rows.map((r) => r.scaling.n.independent_efficiency),
    3,
  );
  add(
    `scaling: pytorch DDP efficiency ${workers} processes`,
    rows.map((r) => r.scaling.torch.ddp / (workers * r.scaling.torch.oneThread)),
    3,
  );
  add(
    `scaling: all-reduce hidden fraction ${workers} workers`,
    rows.map((r) => r.scaling.n.hidden_fraction),
    3,
  );
  add(
    "scaling: pytorch's best whole-machine target tokens/s",
    rows.map((r) => r.scaling.best),
    0,
  );
  add(
    `scaling: ratio orquesta ${workers} workers / pytorch best`,
    rows.map((r) => r.scaling.ratio),
    3,
  );
}
if (rows[0].plan) {
  add(
    `plan: predicted step s (${workers} workers)`,
    rows.map((r) => r.plan.predicted),
    3,
  );
  add(
    `plan: measured step s (${workers} workers)`,
    rows.map((r) => r.plan.measured),
    3,
  );
  add(
    'plan: relative error (predicted / measured - 1)',
    rows.map((r) => r.plan.error),
    3,
  );
}
const machine = `${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}`;
if (values.json) console.log(JSON.stringify({ machine, rounds: rows, summary: lines }));
else {
  console.log(
    `\n${machine}; ${rounds} rounds of ${steps} timed steps; all-reduce ${values.repeats} timed repeats; rank env: ${rankEnv.join(' ') || '(default)'}`,
  );
  console.log('| measurement | median (min, max) over rounds |\n| --- | --- |');
  for (const l of lines) console.log(`| ${l.what} | ${formatStats(l, l.digits)} |`);
}
