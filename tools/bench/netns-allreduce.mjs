#!/usr/bin/env node
// All-reduce between "hosts": one Linux network namespace per rank, joined by veth pairs to a bridge in
// its own namespace (nothing is added to the root namespace), each host's egress shaped by a token
// bucket (tc tbf). Measures like `orquesta bench allreduce` (same rank command, warm-up and timing)
// and reports bus bandwidth as a fraction of the link rate, and the CPU time a rank spends per all-reduce.
// Needs root and iproute2.
//
//   flock /tmp/orquesta-bench.lock node tools/bench/netns-allreduce.mjs --ranks 2,4 --bytes 64MiB --rate 1gbit
//
// With --impl gloo (or both), PyTorch's gloo ranks (gloo_allreduce.py's rank mode) run in the same
// namespaces over the same shaped links, as the reference for what the emulated link allows.
// With --per-host K, each namespace runs K ranks (ranks r*K .. r*K+K-1 on host r+1), which talk to each
// other inside the host; --impl ring and hierarchical then pick Orquesta's all-reduce algorithm.
//
//   flock /tmp/orquesta-bench.lock node tools/bench/netns-allreduce.mjs --impl hierarchical,ring,gloo --ranks 4 --per-host 2 --bytes 64MiB
//
// Options: --impl LIST of orquesta (algorithm auto), ring, hierarchical, gloo; both = orquesta,gloo (orquesta)
//          --ranks LIST (2: total ranks)  --per-host K (1)  --ring auto|native|js (auto)
//          --bytes LIST (64MiB)  --rate TBF_RATE (1gbit)  --repeats N (10)  --warmup auto|N
//          --segment-bytes SIZE|auto (auto: the group's default)  --compression none|fp16 (none)  --rank-env KEY=VALUE (repeatable, given to both
//          implementations; 'recommended' adds RECOMMENDED_RANK_ENV, as `orquesta train` does)  --json
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { median } from './compare-common.mjs';

const CLI = fileURLToPath(new URL('../../apps/cli/bin/orquesta.js', import.meta.url));
const GLOO = fileURLToPath(new URL('./gloo_allreduce.py', import.meta.url));
const UNITS = { '': 1, b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, kb: 1e3, mb: 1e6, gb: 1e9 };
const RATE_UNITS = { kbit: 1e3, mbit: 1e6, gbit: 1e9 };

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m || UNITS[m[2].toLowerCase()] === undefined) throw new Error(`invalid size ${text}`);
  return Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

function parseArgs(argv) {
  const o = {
    impl: 'orquesta',
    ranks: '2',
    bytes: '64MiB',
    rate: '1gbit',
    perHost: 1,
    ring: 'auto',
    repeats: 10,
    warmup: 'auto',
    segmentBytes: 'auto',
    compression: 'none',
    rankEnv: [],
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--json') o.json = true;
    else if (flag === '--rank-env') {
      o.rankEnv.push(value);
      i++;
    } else if (flag === '--repeats') {
      o.repeats = Number(value);
      i++;
    } else if (flag === '--per-host') {
      o.perHost = Number(value);
      i++;
    } else if (flag === '--segment-bytes') {
      o.segmentBytes = value;
      i++;
    } else if (['--impl', '--ranks', '--bytes', '--rate', '--warmup', '--compression', '--ring'].includes(flag)) {
      o[flag.slice(2)] = value;
      i++;
    } else throw new Error(`unknown option ${flag}`);
  }
  return o;
}

const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const tc = (...args) => execFileSync('tc', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Creates `n` host namespaces at 10.78.0.1..n on a bridge; returns their names and a teardown. */
function makeHosts(n, rate) {
  const id = randomBytes(2).toString('hex');
  const sw = `oqc${id}sw`;
  const hosts = Array.from({ length: n }, (_, i) => `oqc${id}h${i + 1}`);
  const teardown = () => {
    for (const ns of [...hosts, sw]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
  };
  try {
    ip('netns', 'add', sw);
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    hosts.forEach((ns, i) => {
      const veth = `oqc${id}v${i + 1}`;
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', veth, 'netns', sw);
      ip('-n', ns, 'addr', 'add', `10.78.0.${i + 1}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', sw, 'link', 'set', veth, 'master', 'br0');
      ip('-n', sw, 'link', 'set', veth, 'up');
      tc('-n', ns, 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf', 'rate', rate, 'burst', '256kb', 'latency', '10ms');
    });
  } catch (error) {
    teardown();
    throw error;
  }
  return { hosts, teardown };
}

/** Runs `argv` in namespace `ns` and resolves with what it prints ({"times": [...], "cpu": [...]}). */
function runIn(ns, argv, env, rank) {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`rank ${rank} in ${ns} exited ${code}: ${err}`))));
  });
}

// The rank processes get the node flags `orquesta train` gives workers (ORQUESTA_RANK_NODE_FLAGS replaces them).
const { RECOMMENDED_RANK_ENV } = await import('../../packages/collective/dist/index.js');
const { workerNodeFlags } = await import('../../packages/launch/dist/index.js');
const orquestaRank = (config, env) => [process.execPath, ...workerNodeFlags(env, true), CLI, 'bench', 'allreduce-rank', '--config', JSON.stringify(config)];
const glooRank = ({ rank, worldSize, bytes, repeats, warmup }) => [
  '/usr/bin/python3',
  GLOO,
  '--rank',
  String(rank),
  '--world-size',
  String(worldSize),
  '--master-addr',
  '10.78.0.1',
  '--port',
  '5601',
  '--bytes',
  String(bytes),
  '--repeats',
  String(repeats),
  '--warmup',
  String(warmup),
];

const o = parseArgs(process.argv.slice(2));
const [, value, unit] = /^(\d+(?:\.\d+)?)(kbit|mbit|gbit)$/.exec(o.rate) ?? [];
if (!value) throw new Error(`--rate: expected e.g. 1gbit, got ${o.rate}`);
const linkBytesPerSecond = (Number(value) * RATE_UNITS[unit]) / 8;
if (o.rankEnv.includes('recommended')) {
  o.rankEnv = [...o.rankEnv.filter((kv) => kv !== 'recommended'), ...Object.entries(RECOMMENDED_RANK_ENV).map(([k, v]) => `${k}=${v}`)];
}
const env = { ...process.env, ...Object.fromEntries(o.rankEnv.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) };
const impls = (o.impl === 'both' ? 'orquesta,gloo' : o.impl).split(',');
const ALGORITHM = { orquesta: 'auto', ring: 'ring', hierarchical: 'hierarchical' };
const bad = impls.find((i) => i !== 'gloo' && ALGORITHM[i] === undefined);
if (bad !== undefined) throw new Error(`--impl: expected a list of orquesta, ring, hierarchical, gloo (or both), got ${bad}`);
if (!Number.isInteger(o.perHost) || o.perHost < 1) throw new Error(`--per-host: expected a positive integer, got ${o.perHost}`);
for (const worldSize of o.ranks.split(',').map(Number)) {
  if (worldSize % o.perHost !== 0) throw new Error(`--ranks ${worldSize} is not a multiple of --per-host ${o.perHost}`);
  for (const bytes of o.bytes.split(',').map(parseSize)) {
    for (const impl of impls) {
      const { hosts, teardown } = makeHosts(worldSize / o.perHost, o.rate);
      try {
        const warmup = o.warmup === 'auto' ? Math.max(5, Math.ceil(2 ** 28 / bytes)) : Number(o.warmup);
        const hostOf = (rank) => Math.floor(rank / o.perHost);
        const endpoints = Array.from({ length: worldSize }, (_, r) => `tcp://10.78.0.${hostOf(r) + 1}:${5600 + (r % o.perHost)}`);
        const rankEnv = impl === 'gloo' ? { ...env, GLOO_SOCKET_IFNAME: 'eth0', OMP_NUM_THREADS: '1' } : env;
        const perRank = await Promise.all(
          Array.from({ length: worldSize }, (_, rank) => {
            const config = {
              rank,
              worldSize,
              endpoints,
              bytes,
              repeats: o.repeats,
              warmup,
              compression: o.compression,
              segmentBytes: o.segmentBytes === 'auto' ? undefined : parseSize(o.segmentBytes),
              sharedMemory: 'auto',
              ring: o.ring,
              algorithm: ALGORITHM[impl],
            };
            const ns = hosts[hostOf(rank)];
            return runIn(ns, impl === 'gloo' ? glooRank(config) : orquestaRank(config, rankEnv), rankEnv, rank);
          }),
        );
        const times = Array.from({ length: o.repeats }, (_, i) => Math.max(...perRank.map((r) => r.times[i])));
        const med = median(times);
        const cpuMs = median(perRank.flatMap((r) => r.cpu));
        const algbw = bytes / (med / 1e3) / 1e9;
        const busbw = (algbw * 2 * (worldSize - 1)) / worldSize;
        const name = impl === 'gloo' ? 'torch-gloo' : 'orquesta-zmq';
        const algorithm = impl === 'gloo' ? 'ring' : perRank.every((r) => r.algorithm === 'hierarchical') ? 'hierarchical' : 'ring';
        const hostRanks = (alg) => (alg === 'hierarchical' ? worldSize / o.perHost : worldSize);
        const ring = impl === 'gloo' ? null : perRank.every((r) => r.ring === 'native') ? 'native' : 'js';
        const compression = impl === 'gloo' ? 'none' : o.compression;
        const row = {
          impl: name,
          transport: `tcp over netns, tbf ${o.rate}`,
          compression,
          algorithm,
          ring,
          ranks: worldSize,
          per_host: o.perHost,
          bytes,
          segment_bytes: impl === 'gloo' || o.segmentBytes === 'auto' ? null : parseSize(o.segmentBytes),
          warmup,
          repeats: o.repeats,
          rank_env: o.rankEnv.join(' '),
          median_ms: med,
          min_ms: Math.min(...times),
          algbw_gbps: algbw,
          busbw_gbps: busbw,
          link_gbps: linkBytesPerSecond / 1e9,
          busbw_of_link: (busbw * 1e9) / linkBytesPerSecond,
          // what one host's link carried: one ring edge leaves each host, 2(N-1)/N of the tensor for the flat
          // ring over N ranks, 2(H-1)/H for the hierarchical one's rings across H hosts together
          egress_of_link: (bytes * 2 * (hostRanks(algorithm) - 1)) / hostRanks(algorithm) / (med / 1e3) / linkBytesPerSecond,
          cpu_ms_per_rank: cpuMs,
        };
        console.log(
          o.json
            ? JSON.stringify(row)
            : `${name.padEnd(13)} ${algorithm.padEnd(12)} ${(ring ?? '').padEnd(6)} ranks ${worldSize} (${o.perHost}/host)  bytes ${bytes}  ${compression}  median ${med.toFixed(1)} ms  busbw ${busbw.toFixed(4)} GB/s = ${(100 * row.busbw_of_link).toFixed(1)} % of the ${o.rate} link (host egress ${(100 * row.egress_of_link).toFixed(1)} %)  cpu ${cpuMs.toFixed(1)} ms/rank`,
        );
      } finally {
        teardown();
      }
    }
  }
}
