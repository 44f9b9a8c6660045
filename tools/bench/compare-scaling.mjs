#!/usr/bin/env node
// Whole-machine training throughput of the benchmark Transformer, Orquesta against PyTorch on the
// same machine, alternating in one invocation, R rounds:
//   orquesta  `orquesta bench scaling --workers 1,N --independent`  (N local workers, data-parallel;
//             and N independent single-worker trainings at once: the machine's own ceiling)
//   pytorch   torch_model_bench.py with 1 thread and with all cores' threads, and
//             torch_ddp_bench.py (N processes x 1 thread, DistributedDataParallel over gloo)
// and prints the median (min, max) over rounds of each, the scaling efficiency of both (PyTorch's: DDP
// tokens/s / (N x its 1-thread tokens/s), the same per-rank batch), and the
// ratio of Orquesta's N-worker tokens/s to PyTorch's best whole-machine configuration per round.
// Both sides get OpenBLAS's own core choice and the same glibc malloc settings (compare-common.mjs).
//
//   flock /tmp/orquesta-bench.lock node tools/bench/compare-scaling.mjs --workers 2 --rounds 3 --steps 8
//
// Options: --workers N (2)  --rounds R (3)  --steps S (8)  --blas-threads same|fill|T (Orquesta's per-worker
//          OpenBLAS threads, as `orquesta bench scaling --blas-threads`; default same: 1 worker gets
//          the share of one of the N, so the efficiency compares workers with equal resources)  --json
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchEnv, formatStats, stats } from './compare-common.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '8' },
    'blas-threads': { type: 'string', default: 'same' },
    json: { type: 'boolean', default: false },
  },
});
const workers = Number(values.workers);
const rounds = Number(values.rounds);
const steps = values.steps;
const cores = availableParallelism();
const env = benchEnv();

const jsonLines = (text) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
const python = (script, args) => jsonLines(execFileSync('/usr/bin/python3', [`tools/bench/${script}`, ...args], { cwd: root, encoding: 'utf8', env })).at(-1);

const rows = [];
for (let r = 0; r < rounds; r++) {
  const ours = jsonLines(
    execFileSync(
      process.execPath,
      [
        'apps/cli/bin/orquesta.js',
        'bench',
        'scaling',
        '--workers',
        `1,${workers}`,
        '--steps',
        steps,
        '--blas-threads',
        values['blas-threads'],
        '--independent',
        '--json',
      ],
      { cwd: root, encoding: 'utf8', env },
    ),
  );
  const torch1 = python('torch_model_bench.py', ['--steps', steps, '--threads', '1']);
  const torchAll = python('torch_model_bench.py', ['--steps', steps, '--threads', String(cores)]);
  const ddp = python('torch_ddp_bench.py', ['--workers', String(workers), '--steps', steps]);
  const best = Math.max(torch1.target_tokens_per_s, torchAll.target_tokens_per_s, ddp.target_tokens_per_s);
  const row = {
    round: r + 1,
    orquesta_1: ours[0].target_tokens_per_s,
    orquesta_n: ours[1].target_tokens_per_s,
    efficiency: ours[1].efficiency,
    independent_efficiency: ours[1].independent_efficiency,
    blas_threads_1: ours[0].blas_threads_per_worker,
    blas_threads_n: ours[1].blas_threads_per_worker,
    phases_n: ours[1].phases_s,
    torch_1thread: torch1.target_tokens_per_s,
    [`torch_${cores}threads`]: torchAll.target_tokens_per_s,
    torch_ddp: ddp.target_tokens_per_s,
    torch_ddp_efficiency: ddp.target_tokens_per_s / (workers * torch1.target_tokens_per_s),
    torch_best: best,
    ratio: ours[1].target_tokens_per_s / best,
  };
  rows.push(row);
  process.stderr.write(
    `round ${r + 1}/${rounds}: orquesta ${row.orquesta_1} (1 worker) ${row.orquesta_n} (${workers} workers, efficiency ${row.efficiency}, independent ${row.independent_efficiency}); pytorch 1 thread ${row.torch_1thread}, ${cores} threads ${torchAll.target_tokens_per_s}, ddp ${row.torch_ddp}\n`,
  );
}
const summary = {
  workers,
  rounds,
  steps: Number(steps),
  orquesta_1_worker: stats(rows.map((r) => r.orquesta_1)),
  orquesta_n_workers: stats(rows.map((r) => r.orquesta_n)),
  efficiency: stats(rows.map((r) => r.efficiency)),
  independent_efficiency: stats(rows.map((r) => r.independent_efficiency)),
  torch_1thread: stats(rows.map((r) => r.torch_1thread)),
  torch_all_threads: stats(rows.map((r) => r[`torch_${cores}threads`])),
  torch_ddp: stats(rows.map((r) => r.torch_ddp)),
  torch_ddp_efficiency: stats(rows.map((r) => r.torch_ddp_efficiency)),
  ratio_orquesta_n_over_torch_best: stats(rows.map((r) => r.ratio)),
};
if (values.json) console.log(JSON.stringify({ summary, rows }));
else {
  const f = formatStats;
  console.log(`orquesta, 1 worker: ${f(summary.orquesta_1_worker)} target tokens/s`);
  console.log(
    `orquesta, ${workers} workers: ${f(summary.orquesta_n_workers)} target tokens/s, scaling efficiency ${f(summary.efficiency, 3)}; ${workers} independent 1-worker trainings at once (no all-reduce): ${f(summary.independent_efficiency, 3)}`,
  );
  console.log(
    `pytorch 1 process x 1 thread: ${f(summary.torch_1thread)}; 1 process x ${cores} threads: ${f(summary.torch_all_threads)}; ${workers} DDP processes x 1 thread: ${f(summary.torch_ddp)} (scaling efficiency ${f(summary.torch_ddp_efficiency, 3)})`,
  );
  console.log(`ratio orquesta ${workers} workers / pytorch's best whole-machine configuration: ${f(summary.ratio_orquesta_n_over_torch_best, 3)}`);
}
