#!/usr/bin/env node
// Runs `orquesta bench allreduce` and the PyTorch gloo reference (gloo_allreduce.py) alternately, with
// the same sizes, rank counts, warm-up, repeats and rank environment, and prints for every
// configuration each implementation's median bus bandwidth over rounds, the ratio ours / gloo
// (median, min, max over rounds) and each one's median CPU time per all-reduce and rank (all threads). Run it alone on the machine:
//
//   flock /tmp/orquesta-bench.lock node tools/bench/compare-allreduce.mjs --ranks 2,4 --bytes 4MiB,64MiB --rounds 5
//
// Options: --ranks LIST  --bytes LIST  --rounds N (5)  --repeats N (20)  --warmup auto|N (auto)
//          --ring auto|native|js (auto: the native ring where built)  --transport tcp|ipc (tcp)  --shared-memory auto|off (off; auto: all-reduce through shared memory)  --rank-env KEY=VALUE (repeatable; given to both; 'recommended' adds
//          @orquesta/collective's RECOMMENDED_RANK_ENV)  --python PATH (/usr/bin/python3)
//          --json (print every measurement as a JSON line too)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../../apps/cli/bin/orquesta.js');
const GLOO = here('./gloo_allreduce.py');

function parseArgs(argv) {
  const o = {
    ranks: '2,4',
    bytes: '4MiB,64MiB',
    rounds: 5,
    repeats: 20,
    warmup: 'auto',
    transport: 'tcp',
    ring: 'auto',
    sharedMemory: 'off',
    rankEnv: [],
    python: '/usr/bin/python3',
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--json') o.json = true;
    else if (flag === '--rank-env') {
      o.rankEnv.push(value);
      i++;
    } else if (flag === '--rounds' || flag === '--repeats') {
      o[flag.slice(2)] = Number(value);
      i++;
    } else if (flag === '--shared-memory') {
      o.sharedMemory = value;
      i++;
    } else if (['--ranks', '--bytes', '--warmup', '--transport', '--ring', '--python'].includes(flag)) {
      o[flag.slice(2)] = value;
      i++;
    } else throw new Error(`unknown option ${flag}`);
  }
  return o;
}

function run(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1] };
};

const o = parseArgs(process.argv.slice(2));
if (o.rankEnv.includes('recommended')) {
  const { RECOMMENDED_RANK_ENV } = await import('../../packages/collective/dist/index.js');
  o.rankEnv = [...o.rankEnv.filter((kv) => kv !== 'recommended'), ...Object.entries(RECOMMENDED_RANK_ENV).map(([k, v]) => `${k}=${v}`)];
}
const common = [
  '--ranks',
  o.ranks,
  '--bytes',
  o.bytes,
  '--repeats',
  String(o.repeats),
  '--warmup',
  o.warmup,
  '--json',
  ...o.rankEnv.flatMap((kv) => ['--rank-env', kv]),
];
const ours = () =>
  run(process.execPath, [CLI, 'bench', 'allreduce', '--transport', o.transport, '--ring', o.ring, '--shared-memory', o.sharedMemory, ...common]);
const gloo = () => run(o.python, [GLOO, ...common]);
const rows = [];
for (let round = 0; round < o.rounds; round++) {
  // alternate which implementation goes first, so neither always runs on a warmer machine
  const order = round % 2 === 0 ? [ours, gloo] : [gloo, ours];
  for (const measure of order) {
    for (const row of measure()) {
      rows.push({ round, ...row });
      if (o.json) console.log(JSON.stringify({ round, ...row }));
    }
  }
}

const key = (r) => `${r.ranks}x${r.bytes}`;
console.log(
  `\nall-reduce bus bandwidth, GB/s: median over ${o.rounds} rounds (each round: median of ${o.repeats} timed repeats); ratio = orquesta (${o.sharedMemory === 'auto' ? 'shared memory' : `${o.ring} socket ring over ${o.transport}`}) / torch-gloo, per round; CPU ms = CPU time of one rank per all-reduce (all threads), median over rounds`,
);
console.log(`rank env: ${o.rankEnv.join(' ') || '(none)'}`);
console.log('ranks  bytes       ring    orquesta  gloo    ratio median  min    max    orquesta ms  gloo ms  orquesta CPU ms  gloo CPU ms');
for (const k of [...new Set(rows.map(key))]) {
  const pick = (impl) => rows.filter((r) => key(r) === k && r.impl === impl).sort((a, b) => a.round - b.round);
  const [a, b] = [pick(o.sharedMemory === 'auto' ? 'orquesta-shm' : 'orquesta-zmq'), pick('torch-gloo')];
  const ratio = stats(a.map((r, i) => r.busbw_gbps / b[i].busbw_gbps));
  const [first] = a;
  console.log(
    `${String(first.ranks).padEnd(7)}${String(first.bytes).padEnd(12)}${String(first.ring ?? 'js').padEnd(8)}${stats(a.map((r) => r.busbw_gbps))
      .median.toFixed(3)
      .padEnd(10)}${stats(b.map((r) => r.busbw_gbps))
      .median.toFixed(3)
      .padEnd(8)}` +
      `${ratio.median.toFixed(2).padEnd(14)}${ratio.min.toFixed(2).padEnd(7)}${ratio.max.toFixed(2).padEnd(7)}${stats(a.map((r) => r.median_ms))
        .median.toFixed(2)
        .padEnd(13)}${stats(b.map((r) => r.median_ms))
        .median.toFixed(2)
        .padEnd(9)}${stats(a.map((r) => r.cpu_ms_per_rank))
        .median.toFixed(1)
        .padEnd(17)}${stats(b.map((r) => r.cpu_ms_per_rank)).median.toFixed(1)}`,
  );
}
