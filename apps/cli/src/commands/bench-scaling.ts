import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerNodeFlags } from '@orquesta/launch';
import { ENV, recommendedRankEnv } from '@orquesta/protocol';
import type { ScalingRankConfig, ScalingRankResult } from '@orquesta/worker';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { median, parseRankEnv, positiveInt } from './bench-util.js';
import { localHosts, netnsHosts, type RankHosts } from './bench-hosts.js';
import { runRankProcesses } from './rank-processes.js';

/** Flags of `orquesta bench scaling`, as commander hands them over (strings). */
export interface BenchScalingFlags {
  readonly workers: string;
  readonly steps: string;
  readonly warmup: string;
  readonly backend: string;
  readonly batch: string;
  readonly length: string;
  readonly compression: string;
  readonly rankEnv: string[];
  readonly measureIdle?: boolean;
  readonly independent?: boolean;
  readonly hosts: string;
  readonly linkRate: string;
  /** With --hosts netns: workers per emulated host. */
  readonly perHost: string;
  /** collective.algorithm: auto | ring | hierarchical. */
  readonly algorithm: string;
  /** `same` (every worker count gets cores / the largest count), `fill` (cores / this count) or a number. */
  readonly blasThreads: string;
  readonly json?: boolean;
}

type RankConfig = ScalingRankConfig & { readonly endpoints: string[] };
type RankResult = ScalingRankResult;

const BIN = fileURLToPath(new URL('../../bin/orquesta.js', import.meta.url));
const PHASES = ['data', 'compute', 'idle', 'allReduce', 'optimizer'] as const;

/** Runs the ranks of `configs`, the i-th on host i. @throws {Error} naming the first rank that fails (the others are stopped). */
function runRanks(configs: readonly RankConfig[], env: NodeJS.ProcessEnv, hosts: RankHosts): Promise<RankResult[]> {
  return runRankProcesses<RankResult>(
    configs.map((config, host) => {
      const rankEnv = {
        ...env,
        [ENV.rank]: String(config.rank),
        [ENV.worldSize]: String(config.worldSize),
        [ENV.localRank]: String(config.rank),
        [ENV.localWorldSize]: String(config.worldSize),
      };
      const { file, args } = hosts.command(host, [
        process.execPath,
        ...workerNodeFlags(rankEnv, config.sharedMemory === 'off'),
        BIN,
        'bench',
        'scaling-rank',
        '--config',
        JSON.stringify(config),
      ]);
      return { name: `rank ${config.rank} of ${config.worldSize}`, file, args, env: rankEnv };
    }),
  );
}

export interface ScalingRow {
  readonly benchmark: 'scaling';
  readonly workers: number;
  readonly backend: string;
  readonly blas_threads_per_worker: number;
  readonly compression: string;
  /** `local`, or `netns:RATE`: one network namespace per rank, links limited to RATE. */
  readonly hosts: string;
  /** How gradients travelled: 'shared memory' (all ranks on this host), 'sockets' (ZeroMQ), 'none' (1 worker). */
  readonly data_plane: 'shared memory' | 'sockets' | 'none';
  /** Workers per host: --per-host with --hosts netns, all of them with --hosts local. */
  readonly per_host: number;
  /** The all-reduce algorithm ('hierarchical' only across hosts) and the socket ring (native or js). */
  readonly algorithm: 'ring' | 'hierarchical';
  readonly ring: 'native' | 'js';
  readonly steps: number;
  readonly target_tokens_per_step: number;
  readonly step_s_median: number;
  readonly target_tokens_per_s: number;
  /** Medians over steps of the mean over ranks, seconds (allReduce: the exposed part). */
  readonly phases_s: Readonly<Record<(typeof PHASES)[number], number>>;
  /** Median all-reduce seconds hidden behind the gradient read-out (mean over ranks). */
  readonly all_reduce_hidden_s: number;
  /** Share of all-reduce time hidden: hidden / (hidden + exposed), from the medians. */
  readonly hidden_fraction: number;
  /** Whether a barrier separated idle time (and turned overlap off). */
  readonly measure_idle: boolean;
  /** tokens/s(N) / (N x tokens/s(1)), when 1 worker was measured in the same run. */
  readonly efficiency: number | null;
  /**
   * With --independent: the same for N single-worker trainings run at once without any all-reduce,
   * i.e. the ceiling that N processes' contention for the machine's cores, caches and memory leaves.
   */
  readonly independent_efficiency: number | null;
}

/**
 * OpenBLAS threads each worker gets with `worldSize` workers. `same` gives every worker count the
 * share of the largest one (cores / max(workers)), so the efficiency compares workers with equal
 * resources: 1 worker on 1 core against 2 workers on 2 cores. `fill` gives each count all cores
 * (cores / worldSize), so 1 worker already uses the whole machine. A number is used as is.
 * @throws {Error} when `mode` is none of these.
 */
export function blasThreadsPerWorker(mode: string, cores: number, workers: readonly number[], worldSize: number): number {
  if (mode === 'same') return Math.max(1, Math.floor(cores / Math.max(...workers)));
  if (mode === 'fill') return Math.max(1, Math.floor(cores / worldSize));
  const n = Number(mode);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--blas-threads: expected same, fill or a positive integer, got ${JSON.stringify(mode)}`);
  return n;
}

/** tokens/s(N) / (N x tokens/s(1)), to three decimals. */
function efficiencyOf(tokensPerS: number, worldSize: number, oneWorkerTokensPerS: number): number {
  return Math.round((tokensPerS / (worldSize * oneWorkerTokensPerS)) * 1000) / 1000;
}

/** Step time = the slowest rank's; phases = mean over ranks; both as medians over the timed steps. */
export function summarise(
  results: readonly RankResult[],
  tokensPerRankStep: number,
): Omit<
  ScalingRow,
  | 'benchmark'
  | 'workers'
  | 'backend'
  | 'blas_threads_per_worker'
  | 'compression'
  | 'per_host'
  | 'algorithm'
  | 'ring'
  | 'efficiency'
  | 'independent_efficiency'
  | 'measure_idle'
  | 'hosts'
  | 'data_plane'
> {
  const steps = results[0]!.steps.length;
  const totals = Array.from({ length: steps }, (_, i) => Math.max(...results.map((r) => r.steps[i]!.total)));
  const phase = (name: (typeof PHASES)[number] | 'allReduceHidden') =>
    median(Array.from({ length: steps }, (_, i) => results.reduce((s, r) => s + r.steps[i]![name], 0) / results.length));
  const step = median(totals);
  const round = (x: number) => Math.round(x * 10000) / 10000;
  const hidden = phase('allReduceHidden');
  const exposed = phase('allReduce');
  return {
    steps,
    target_tokens_per_step: tokensPerRankStep * results.length,
    step_s_median: round(step),
    target_tokens_per_s: Math.round((tokensPerRankStep * results.length) / step),
    phases_s: Object.fromEntries(PHASES.map((p) => [p, round(phase(p))])) as ScalingRow['phases_s'],
    all_reduce_hidden_s: round(hidden),
    hidden_fraction: hidden + exposed > 0 ? round(hidden / (hidden + exposed)) : 0,
  };
}

/**
 * `orquesta bench scaling`: trains the benchmark Transformer with each --workers count (local
 * processes with the launcher's environment: all-reduces through shared memory as `orquesta train` does
 * on one host, or ZeroMQ over TCP between emulated hosts with `--hosts netns`; the recommended rank
 * environment; BLAS threads per worker from --blas-threads unless ORQUESTA_BLAS_THREADS is set)
 * and prints target tokens/s, the per-step phases and the scaling efficiency.
 */
export async function benchScalingCommand(flags: BenchScalingFlags, io: CliIO): Promise<ExitCode> {
  let perHost = 1;
  let plan: { workers: number[]; blas: ReadonlyMap<number, number>; steps: number; warmup: number; batch: number; length: number; env: Record<string, string> };
  try {
    if (flags.compression !== 'none' && flags.compression !== 'fp16')
      throw new Error(`--compression: expected none or fp16, got ${JSON.stringify(flags.compression)}`);
    if (flags.hosts !== 'local' && flags.hosts !== 'netns') throw new Error(`--hosts: expected local or netns, got ${JSON.stringify(flags.hosts)}`);
    if (!/^\d+(\.\d+)?[kmg]bit$/.test(flags.linkRate))
      throw new Error(`--link-rate: expected a rate like 1gbit or 500mbit, got ${JSON.stringify(flags.linkRate)}`);
    const warmup = Number(flags.warmup);
    if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup: expected a non-negative integer, got ${JSON.stringify(flags.warmup)}`);
    const workers = flags.workers.split(',').map((w) => positiveInt('workers', w));
    perHost = positiveInt('per-host', flags.perHost);
    const uneven = workers.find((w) => w > perHost && w % perHost !== 0);
    if (flags.hosts === 'netns' && uneven !== undefined) throw new Error(`--workers ${uneven} is not a multiple of --per-host ${perHost}`);
    if (!['auto', 'ring', 'hierarchical'].includes(flags.algorithm))
      throw new Error(`--algorithm: expected auto, ring or hierarchical, got ${JSON.stringify(flags.algorithm)}`);
    if (flags.independent === true && !workers.includes(1)) throw new Error('--independent: needs 1 among --workers (the single-worker baseline)');
    const cores = availableParallelism();
    plan = {
      workers,
      blas: new Map(workers.map((w) => [w, blasThreadsPerWorker(flags.blasThreads, cores, workers, w)])),
      steps: positiveInt('steps', flags.steps),
      warmup,
      batch: positiveInt('batch', flags.batch),
      length: positiveInt('length', flags.length),
      env: parseRankEnv(flags.rankEnv),
    };
  } catch (error) {
    io.err(`orquesta bench scaling: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const tokens = plan.batch * plan.length;
  const rows: ScalingRow[] = [];
  if (!flags.json) io.out('workers  backend      tokens/s  step_s   data    compute  idle    allreduce  hidden  optimizer  efficiency');
  for (const worldSize of plan.workers) {
    const dir = await mkdtemp(join(tmpdir(), 'orquesta-scaling-'));
    let hosts: RankHosts | undefined;
    try {
      hosts = flags.hosts === 'netns' ? netnsHosts(worldSize, flags.linkRate, Math.min(perHost, worldSize)) : localHosts(worldSize, dir);
      const endpoints = [...hosts.endpoints];
      const blas = Number(process.env[ENV.blasThreads] ?? plan.env[ENV.blasThreads] ?? plan.blas.get(worldSize));
      const env = { ...recommendedRankEnv(process.env), ...process.env, ...plan.env, [ENV.blasThreads]: String(blas) };
      const configs = endpoints.map((_, rank): RankConfig => ({
        rank,
        worldSize,
        endpoints,
        backend: flags.backend,
        steps: plan.steps,
        warmup: plan.warmup,
        batch: plan.batch,
        length: plan.length,
        compression: flags.compression as 'none' | 'fp16',
        measureIdle: flags.measureIdle === true,
        sharedMemory: 'auto',
        algorithm: flags.algorithm as 'auto' | 'ring' | 'hierarchical',
      }));
      if (!flags.json) io.err(`bench scaling: ${worldSize} worker(s), ${blas} BLAS thread(s) each, ${plan.warmup} + ${plan.steps} steps ...`);
      const results = await runRanks(configs, env, hosts);
      const summary = summarise(results, tokens);
      const one = worldSize === 1 ? summary : rows.find((r) => r.workers === 1);
      let independent: number | null = null;
      if (flags.independent === true && worldSize > 1 && one) {
        if (!flags.json) io.err(`bench scaling: ${worldSize} independent single-worker trainings at once ...`);
        const alone = configs.map((c, i): RankConfig => ({ ...c, rank: 0, worldSize: 1, endpoints: [endpoints[i]!] }));
        const separate = await runRanks(alone, env, hosts);
        const sum = separate.reduce((total, r) => total + summarise([r], tokens).target_tokens_per_s, 0);
        independent = efficiencyOf(sum, worldSize, one.target_tokens_per_s);
      }
      const row: ScalingRow = {
        benchmark: 'scaling',
        workers: worldSize,
        backend: results[0]!.backend,
        blas_threads_per_worker: blas,
        compression: flags.compression,
        hosts: flags.hosts === 'netns' ? `netns:${flags.linkRate}` : 'local',
        data_plane: worldSize === 1 ? 'none' : results.every((r) => r.sharedMemory) ? 'shared memory' : 'sockets',
        per_host: flags.hosts === 'netns' ? Math.min(perHost, worldSize) : worldSize,
        algorithm: results.every((r) => r.algorithm === 'hierarchical') ? 'hierarchical' : 'ring',
        ring: results.every((r) => r.ring === 'native') ? 'native' : 'js',
        measure_idle: flags.measureIdle === true,
        ...summary,
        efficiency: one ? efficiencyOf(summary.target_tokens_per_s, worldSize, one.target_tokens_per_s) : null,
        independent_efficiency: independent,
      };
      rows.push(row);
      if (flags.json) io.out(JSON.stringify(row));
      else {
        const p = row.phases_s;
        const cells: [string, number][] = [
          [String(worldSize), 9],
          [row.backend, 13],
          [String(row.target_tokens_per_s), 10],
          [row.step_s_median.toFixed(3), 9],
          [p.data.toFixed(3), 8],
          [p.compute.toFixed(3), 9],
          [p.idle.toFixed(3), 8],
          [p.allReduce.toFixed(3), 11],
          [row.hidden_fraction.toFixed(2), 8],
          [p.optimizer.toFixed(3), 11],
          [row.efficiency === null ? '-' : row.efficiency.toFixed(3), 0],
        ];
        io.out(cells.map(([text, width]) => text.padEnd(width)).join(''));
        if (independent !== null) io.out(`         ${worldSize} independent 1-worker trainings at once (no all-reduce): efficiency ${independent.toFixed(3)}`);
      }
    } catch (error) {
      io.err(`orquesta bench scaling: ${(error as Error).message}`);
      return EXIT.failure;
    } finally {
      hosts?.down();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return EXIT.ok;
}

/** Hidden `orquesta bench scaling-rank --config JSON`: one rank; prints its step phases as JSON. */
export async function benchScalingRankCommand(configJson: string, io: CliIO): Promise<ExitCode> {
  const [{ runScalingRank }, { backendOptionsFromEnv }] = await Promise.all([import('@orquesta/worker'), import('@orquesta/model')]);
  const result = await runScalingRank(JSON.parse(configJson) as RankConfig, backendOptionsFromEnv(process.env));
  io.out(JSON.stringify(result));
  return EXIT.ok;
}
