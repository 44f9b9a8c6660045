import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createZmqProcessGroup, type Compression } from '@orquesta/collective';
import { workerNodeFlags } from '@orquesta/launch';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { freePort, median, parseRankEnv, positiveInt } from './bench-util.js';
import { runRankProcesses } from './rank-processes.js';

/** Flags of `orquesta bench allreduce`, as commander hands them over (strings). */
export interface BenchAllReduceFlags {
  readonly ranks: string;
  readonly bytes: string;
  readonly transport: string;
  readonly repeats: string;
  readonly warmup: string;
  readonly compression: string;
  readonly segmentBytes: string;
  /** 'auto': all-reduces through shared memory (the ranks all run here); 'off': the socket ring. */
  readonly sharedMemory: string;
  /** Which ring carries the socket all-reduces: auto, native (the C ring) or js (the TypeScript ring). */
  readonly ring: string;
  /** KEY=VALUE pairs added to the rank processes' environment (e.g. allocator tunables). */
  readonly rankEnv: string[];
  readonly json?: boolean;
}

/** What one rank process prints: its timings (ms), its CPU time per timed all-reduce (user + system, all threads, ms) and whether its all-reduces used shared memory. */
interface RankResult {
  readonly times: number[];
  readonly cpu: number[];
  readonly sharedMemory: boolean;
  /** The ring the group used over sockets. */
  readonly ring: 'native' | 'js';
  /** The algorithm (ring unless the ranks' endpoints span hosts and the hierarchy was set up). */
  readonly algorithm: 'ring' | 'hierarchical';
}

/** What one rank process is told (JSON in its --config flag). */
interface RankConfig {
  readonly rank: number;
  readonly worldSize: number;
  readonly endpoints: string[];
  readonly bytes: number;
  readonly repeats: number;
  readonly warmup: number;
  readonly compression: Compression;
  /** undefined: the group's default. */
  readonly segmentBytes: number | undefined;
  readonly sharedMemory: 'auto' | 'off';
  readonly ring: 'auto' | 'native' | 'js';
  /** For ranks on several hosts (tools/bench/netns-allreduce.mjs); defaults to auto. */
  readonly algorithm?: 'auto' | 'ring' | 'hierarchical';
}

const BIN = fileURLToPath(new URL('../../bin/orquesta.js', import.meta.url));
const UNITS: Record<string, number> = { '': 1, b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, kb: 1e3, mb: 1e6, gb: 1e9 };

/** Parses '4MiB', '64mib', '1e6', '4194304' into bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m === null ? undefined : UNITS[(m[2] ?? '').toLowerCase()];
  if (m === null || unit === undefined) throw new Error(`invalid size ${JSON.stringify(text)} (examples: 4MiB, 64MiB, 1000000)`);
  return Math.round(Number(m[1]) * unit);
}

/** 'auto': enough untimed all-reduces to move 256 MiB through every rank first (at least 5). */
export function resolveWarmup(text: string, bytes: number): number {
  if (text === 'auto') return Math.max(5, Math.ceil(2 ** 28 / bytes));
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--warmup: expected auto or a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

/**
 * Runs the rank processes of one configuration and resolves with each rank's timings (ms).
 * @throws {Error} naming the first rank that fails (the others are stopped).
 */
function runRanks(configs: readonly RankConfig[], env: NodeJS.ProcessEnv): Promise<RankResult[]> {
  return runRankProcesses<RankResult>(
    configs.map((config) => ({
      name: `rank ${config.rank}`,
      file: process.execPath,
      args: [...workerNodeFlags(env, config.sharedMemory === 'off'), BIN, 'bench', 'allreduce-rank', '--config', JSON.stringify(config)],
      env,
    })),
  );
}

/**
 * `orquesta bench allreduce`: for every combination of --ranks and --bytes, spawns that many rank
 * processes (with --rank-env added to their environment), times --repeats all-reduces (sum, float32
 * unless --compression fp16), each after a barrier, following --warmup untimed ones, and prints the median time, algorithm bandwidth (bytes / time), bus bandwidth
 * (algbw x 2(N-1)/N, as nccl-tests define it) and the median CPU time one rank spends on one all-reduce
 * (all its threads, user + system). A repetition's time is the slowest rank's.
 */
export async function benchAllReduceCommand(flags: BenchAllReduceFlags, io: CliIO): Promise<ExitCode> {
  let plan: { ranks: number[]; sizes: number[]; repeats: number; segmentBytes: number | undefined; env: Record<string, string> };
  try {
    const sizes = flags.bytes.split(',').map(parseSize);
    const bad = sizes.find((s) => s < 4 || s % 4 !== 0);
    if (bad !== undefined) throw new Error(`--bytes: expected a positive multiple of 4 bytes (float32), got ${bad}`);
    if (flags.transport !== 'tcp' && flags.transport !== 'ipc') throw new Error(`--transport: expected tcp or ipc, got ${JSON.stringify(flags.transport)}`);
    if (flags.sharedMemory !== 'auto' && flags.sharedMemory !== 'off')
      throw new Error(`--shared-memory: expected auto or off, got ${JSON.stringify(flags.sharedMemory)}`);
    if (flags.ring !== 'auto' && flags.ring !== 'native' && flags.ring !== 'js')
      throw new Error(`--ring: expected auto, native or js, got ${JSON.stringify(flags.ring)}`);
    if (flags.compression !== 'none' && flags.compression !== 'fp16')
      throw new Error(`--compression: expected none or fp16, got ${JSON.stringify(flags.compression)}`);
    const ranks = flags.ranks.split(',').map((r) => positiveInt('ranks', r));
    for (const s of sizes) resolveWarmup(flags.warmup, s);
    const env = parseRankEnv(flags.rankEnv);
    plan = {
      ranks,
      sizes,
      repeats: positiveInt('repeats', flags.repeats),
      segmentBytes: flags.segmentBytes === 'auto' ? undefined : parseSize(flags.segmentBytes),
      env,
    };
  } catch (error) {
    io.err(`orquesta bench allreduce: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const compression = flags.compression as Compression;
  if (!flags.json) io.out('impl          ring    ranks  bytes        median_ms   min_ms   algbw_GB/s  busbw_GB/s  cpu_ms/rank');
  for (const worldSize of plan.ranks) {
    for (const bytes of plan.sizes) {
      const dir = flags.transport === 'ipc' ? await mkdtemp(join(tmpdir(), 'orquesta-bench-')) : undefined;
      try {
        const endpoints =
          dir !== undefined
            ? Array.from({ length: worldSize }, (_, r) => `ipc://${dir}/rank-${r}`)
            : await Promise.all(Array.from({ length: worldSize }, async () => `tcp://127.0.0.1:${await freePort()}`));
        const warmup = resolveWarmup(flags.warmup, bytes);
        const configs = Array.from({ length: worldSize }, (_, rank): RankConfig => ({
          rank,
          worldSize,
          endpoints,
          bytes,
          repeats: plan.repeats,
          warmup,
          compression,
          segmentBytes: plan.segmentBytes,
          sharedMemory: flags.sharedMemory as 'auto' | 'off',
          ring: flags.ring as 'auto' | 'native' | 'js',
        }));
        const perRank = await runRanks(configs, { ...process.env, ...plan.env });
        const times = Array.from({ length: plan.repeats }, (_, i) => Math.max(...perRank.map((r) => r.times[i] as number)));
        const impl = perRank.every((r) => r.sharedMemory) ? 'orquesta-shm' : 'orquesta-zmq';
        if (flags.sharedMemory === 'auto' && impl !== 'orquesta-shm' && worldSize > 1)
          io.err('orquesta bench allreduce: shared memory was not available; measured the socket ring');
        const med = median(times);
        const algbw = bytes / (med / 1e3) / 1e9;
        const busbw = (algbw * 2 * (worldSize - 1)) / worldSize;
        const cpuMs = median(perRank.flatMap((r) => r.cpu));
        const row = {
          impl,
          transport: impl === 'orquesta-shm' ? 'shm' : flags.transport,
          ring: perRank.every((r) => r.ring === 'native') ? 'native' : 'js',
          compression,
          ranks: worldSize,
          bytes,
          warmup,
          repeats: plan.repeats,
          rank_env: flags.rankEnv.join(' '),
          median_ms: med,
          min_ms: Math.min(...times),
          max_ms: Math.max(...times),
          algbw_gbps: algbw,
          busbw_gbps: busbw,
          cpu_ms_per_rank: cpuMs,
        };
        if (flags.json) io.out(JSON.stringify(row));
        else
          io.out(
            `${impl.padEnd(14)}${row.ring.padEnd(8)}${String(worldSize).padEnd(7)}${String(bytes).padEnd(13)}${med.toFixed(3).padEnd(12)}${row.min_ms.toFixed(3).padEnd(9)}${algbw.toFixed(3).padEnd(12)}${busbw.toFixed(3).padEnd(12)}${cpuMs.toFixed(1)}`,
          );
      } catch (error) {
        io.err(`orquesta bench allreduce: ${(error as Error).message}`);
        return EXIT.failure;
      } finally {
        if (dir !== undefined) await rm(dir, { recursive: true, force: true });
      }
    }
  }
  return EXIT.ok;
}

/** Hidden `orquesta bench allreduce-rank --config JSON`: one rank; prints {"times":[ms...]} on stdout. */
export async function benchAllReduceRankCommand(configJson: string, io: CliIO): Promise<ExitCode> {
  const c = JSON.parse(configJson) as RankConfig;
  let sharedMemory = false;
  let ring: 'native' | 'js' = 'js';
  let algorithm: 'ring' | 'hierarchical' = 'ring';
  const group = await createZmqProcessGroup({
    rank: c.rank,
    worldSize: c.worldSize,
    endpoints: c.endpoints,
    timeoutMs: 60_000,
    ...(c.segmentBytes === undefined ? {} : { segmentBytes: c.segmentBytes }),
    sharedMemory: c.sharedMemory,
    sharedMemoryLimitBytes: Math.max(4096, c.bytes),
    transport: c.ring,
    algorithm: c.algorithm ?? 'auto',
    onEvent: (e) => {
      if (e.type === 'shared-memory') sharedMemory = e.enabled;
      else if (e.type === 'transport' && e.scope === 'group') ring = e.transport;
      else if (e.type === 'algorithm') algorithm = e.algorithm;
    },
  });
  try {
    const template = new Float32Array(c.bytes / 4).fill(c.rank + 1);
    const data = new Float32Array(template.length);
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < c.warmup + c.repeats; i++) {
      data.set(template);
      await group.barrier();
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      await group.allReduce(data, 'sum', { compression: c.compression });
      const elapsed = performance.now() - start;
      const used = process.cpuUsage(cpuStart);
      if (i >= c.warmup) {
        times.push(elapsed);
        cpu.push((used.user + used.system) / 1e3);
      }
    }
    const expected = (c.worldSize * (c.worldSize + 1)) / 2;
    if (data[0] !== expected || data[data.length - 1] !== expected) throw new Error(`wrong result ${data[0]}, expected ${expected}`);
    io.out(JSON.stringify({ rank: c.rank, times, cpu, sharedMemory, ring, algorithm }));
    return EXIT.ok;
  } finally {
    await group.close();
  }
}
