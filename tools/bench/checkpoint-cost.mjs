#!/usr/bin/env node
// What a checkpoint costs the training loop, background writes beside synchronous ones: runs
// `orquesta train` alternately with checkpoint.background true and false (same spec, steps and
// checkpoint interval, fresh checkpoint directories), and prints per mode the median over rounds of the
// run's median seconds the loop spent on one save, its median write seconds, rank 0's median step
// seconds, and the save's cost as a share of a step. Run it alone on the machine:
//
//   flock /tmp/orquesta-bench.lock node tools/bench/checkpoint-cost.mjs --rounds 3 --steps 40 --every 5
//
// Options: --config FILE (configs/bench.yaml)  --rounds N (3)  --steps N (40)  --every N (5: checkpoint.every_steps)
//          --workers N (1)  --set FIELD=VALUE (repeatable, passed to orquesta train)  --json (one JSON line per run too)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../apps/cli/bin/orquesta.js', import.meta.url));

function parseArgs(argv) {
  const o = { config: 'configs/bench.yaml', rounds: 3, steps: 40, every: 5, workers: 1, set: [], json: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--json') o.json = true;
    else if (flag === '--set') (o.set.push(value), i++);
    else if (['--rounds', '--steps', '--every', '--workers'].includes(flag)) ((o[flag.slice(2)] = Number(value)), i++);
    else if (flag === '--config') ((o.config = value), i++);
    else throw new Error(`unknown option ${flag} (see the header of ${process.argv[1]})`);
  }
  return o;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function train(o, background) {
  const dir = mkdtempSync(join(tmpdir(), 'orquesta-ckpt-cost-'));
  const sets = [
    `training.max_steps=${o.steps}`,
    `optimizer.warmup_steps=${Math.max(1, Math.floor(o.steps / 4))}`,
    `checkpoint.every_steps=${o.every}`,
    'checkpoint.keep_last=2',
    `checkpoint.dir=${dir}`,
    `checkpoint.background=${background}`,
    'training.log_every_steps=1',
    ...o.set,
  ];
  try {
    const r = spawnSync(process.execPath, [CLI, 'train', o.config, '--quiet', '--workers', String(o.workers), ...sets.flatMap((s) => ['--set', s])], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.status !== 0) throw new Error(`orquesta train failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1));
    return {
      background,
      step: summary.step_seconds_median,
      loop: summary.checkpoints.loop_seconds_median,
      write: summary.checkpoints.write_seconds_median,
      saves: summary.checkpoints.count,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const o = parseArgs(process.argv.slice(2));
const runs = [];
for (let round = 1; round <= o.rounds; round++) {
  for (const background of [true, false]) {
    const run = train(o, background);
    runs.push(run);
    if (o.json) console.log(JSON.stringify({ round, ...run }));
  }
  process.stderr.write(`round ${round}/${o.rounds} done\n`);
}
console.log(
  `checkpoint cost: ${o.config}, ${o.workers} worker(s), ${o.steps} steps, a checkpoint every ${o.every} (the final one excluded); medians over ${o.rounds} rounds of each run's medians`,
);
console.log('mode        saves  loop ms/save  write ms  step ms  save / step');
for (const background of [true, false]) {
  const mine = runs.filter((r) => r.background === background);
  const [loop, write, step] = ['loop', 'write', 'step'].map((k) => median(mine.map((r) => r[k])));
  const share = median(mine.map((r) => r.loop / r.step));
  console.log(
    `${(background ? 'background' : 'synchronous').padEnd(11)} ${String(mine[0].saves).padStart(5)}  ${(loop * 1000).toFixed(1).padStart(12)}  ${(write * 1000).toFixed(0).padStart(8)}  ${(step * 1000).toFixed(0).padStart(7)}  ${(share * 100).toFixed(2).padStart(9)} %`,
  );
}
