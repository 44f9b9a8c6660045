/** `orquesta bench allreduce | model | scaling` (and the hidden per-rank commands they start): measurements of this machine. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { benchAllReduceCommand, benchAllReduceRankCommand, type BenchAllReduceFlags } from './commands/bench-allreduce.js';
import { benchModelCommand, type BenchModelFlags } from './commands/bench-model.js';
import { benchScalingCommand, benchScalingRankCommand, type BenchScalingFlags } from './commands/bench-scaling.js';
import type { CliIO, ExitCode } from './io.js';
import { backendOption } from './backend-option.js';

/** Adds the `bench` command group to `program`; each action stores its exit code in `result`. */
export function addBenchCommands(program: Command, io: CliIO, result: { code: ExitCode }): void {
  const bench = program.command('bench').description('Measure this machine.');
  bench
    .command('allreduce')
    .description('Time all-reduce across N local rank processes: median time, algorithm and bus bandwidth (GB/s).')
    .option('--ranks <n,...>', 'rank processes (comma-separated list)', '2')
    .option('--bytes <size,...>', 'tensor sizes, e.g. 4MiB,64MiB (comma-separated list)', '4MiB')
    .option('--transport <kind>', 'tcp | ipc', 'tcp')
    .option('--repeats <n>', 'timed all-reduces per configuration', '20')
    .option('--warmup <n>', "untimed all-reduces first ('auto': 256 MiB worth, at least 5)", 'auto')
    .option('--compression <kind>', 'none | fp16', 'none')
    .option('--segment-bytes <size>', "pipelining segment size ('auto': the group's default, 1 MiB)", 'auto')
    .option('--shared-memory <mode>', 'auto (all-reduce through shared memory; the ranks are on one host) | off (the socket ring)', 'off')
    .option('--ring <kind>', 'socket ring: auto | native (C over libzmq) | js (TypeScript)', 'auto')
    .option('--rank-env <key=value>', "add to the rank processes' environment (repeatable)", (kv: string, all: string[]) => [...all, kv], [] as string[])
    .option('--json', 'one JSON line per configuration')
    .action(async (flags: BenchAllReduceFlags) => {
      result.code = await benchAllReduceCommand(flags, io);
    });
  bench
    .command('model')
    .description(
      'Time training steps of the benchmark Transformer (2,048 target tokens per step), or of the Transformer-base or -big shape: tokens/s, forward/backward/optimizer split, peak RSS and wasm heap.',
    )
    .addOption(backendOption())
    .addOption(
      new Option('--model <size>', 'model shape: bench (d_model 256, 3+3 layers), base (512, 6+6) or big (1024, 6+6)')
        .choices(['bench', 'base', 'big'])
        .default('bench'),
    )
    .option('--steps <n>', 'timed steps', '10')
    .option('--warmup <n>', 'untimed steps first', '2')
    .option('--batch <n>', 'sentence pairs per step', '64')
    .option('--length <n>', 'source and target length in tokens', '32')
    .option('--json', 'one JSON line')
    .action(async (flags: BenchModelFlags) => {
      result.code = await benchModelCommand(flags, io);
    });
  bench
    .command('scaling')
    .description(
      'Train the benchmark Transformer with 1 and N local workers: target tokens/s, step phases (data, compute, idle, all-reduce, optimizer) and scaling efficiency.',
    )
    .option('--workers <n,...>', 'worker counts to run (comma-separated list)', '1,2')
    .option('--steps <n>', 'timed steps per worker count', '10')
    .option('--warmup <n>', 'untimed steps first', '2')
    .addOption(backendOption())
    .option('--batch <n>', 'sentence pairs per worker and step', '64')
    .option('--length <n>', 'source and target length in tokens', '32')
    .option('--compression <kind>', 'gradient wire format: none | fp16', 'none')
    .option('--rank-env <key=value>', "add to the worker processes' environment (repeatable)", (kv: string, all: string[]) => [...all, kv], [] as string[])
    .option(
      '--hosts <where>',
      'local (ranks on this host, ipc) | netns (one network namespace per rank over TCP, links limited to --link-rate; needs root)',
      'local',
    )
    .option('--link-rate <rate>', "with --hosts netns: each host's egress rate (tc tbf), e.g. 1gbit", '1gbit')
    .option('--per-host <n>', 'with --hosts netns: workers per emulated host (the worker count must be a multiple)', '1')
    .option('--algorithm <kind>', 'all-reduce across hosts: auto | ring | hierarchical (collective.algorithm)', 'auto')
    .option(
      '--blas-threads <mode>',
      'OpenBLAS threads per worker: same (cores / the largest worker count, for every count: workers with equal resources) | fill (cores / workers) | a number; ORQUESTA_BLAS_THREADS overrides',
      'same',
    )
    .option(
      '--independent',
      'also run N single-worker trainings at once without any all-reduce and report their efficiency: the ceiling the machine leaves N processes',
    )
    .option(
      '--measure-idle',
      'a barrier before the all-reduce separates waiting for the slowest rank (idle) from communicating; turns the overlap of all-reduce and gradient read-out off',
    )
    .option('--json', 'one JSON line per worker count')
    .action(async (flags: BenchScalingFlags) => {
      result.code = await benchScalingCommand(flags, io);
    });
  bench
    .command('scaling-rank', { hidden: true })
    .requiredOption('--config <json>', 'rank configuration')
    .action(async (flags: { config: string }) => {
      result.code = await benchScalingRankCommand(flags.config, io);
    });
  bench
    .command('allreduce-rank', { hidden: true })
    .requiredOption('--config <json>', 'rank configuration')
    .action(async (flags: { config: string }) => {
      result.code = await benchAllReduceRankCommand(flags.config, io);
    });
}
