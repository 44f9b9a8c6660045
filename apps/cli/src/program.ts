import { Command, CommanderError } from 'commander';
import { benchAllReduceCommand, benchAllReduceRankCommand, type BenchAllReduceFlags } from './commands/bench-allreduce.js';
import { benchModelCommand, type BenchModelFlags } from './commands/bench-model.js';
import { benchScalingCommand, benchScalingRankCommand, type BenchScalingFlags } from './commands/bench-scaling.js';
import { evaluateCommand, type EvaluateFlags } from './commands/evaluate.js';
import { generateCommand, type GenerateFlags } from './commands/generate.js';
import { schemaCommand } from './commands/schema.js';
import { translateCommand, type TranslateFlags } from './commands/translate.js';
import { trainCommand, type TrainFlags } from './commands/train.js';
import { validateCommand } from './commands/validate.js';
import { EXIT, type CliIO, type ExitCode } from './io.js';

/**
 * Builds the `orquesta` command tree. Each action stores its exit code in `result` instead of
 * exiting, so the program runs in-process under test.
 */
export function buildProgram(io: CliIO, result: { code: ExitCode }): Command {
  const program = new Command('orquesta')
    .description('Data-parallel Transformer training and cluster scheduling from YAML experiment specs.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  program
    .command('validate')
    .description('Check experiment specs: exit 0 when all are valid, else exit 2 with one FILE:LINE:COL  field  message line per problem.')
    .argument('<spec...>', 'experiment spec files (YAML)')
    .action(async (files: string[]) => {
      result.code = await validateCommand(files, io);
    });

  program
    .command('schema')
    .description('Print the experiment-spec JSON Schema (draft 2020-12), with every field\'s unit and default.')
    .action(() => {
      result.code = schemaCommand(io);
    });

  program
    .command('train')
    .description('Train an experiment on this machine: one process per worker, progress, checkpoints, final metrics as JSON.')
    .argument('<spec>', 'experiment spec (YAML)')
    .option('--workers <n>', 'worker processes (default: the spec\'s resources.workers)')
    .option('--set <field=value>', 'override a spec field, e.g. --set training.max_steps=100 (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--quiet', 'no progress bar')
    .action(async (file: string, flags: TrainFlags) => {
      result.code = await trainCommand(file, flags, io);
    });

  program
    .command('translate')
    .description('Translate stdin to stdout, one sentence per line, with a trained translation model.')
    .requiredOption('--checkpoint <dir>', 'run directory (checkpoint.dir) or one step-NNNNNNNN checkpoint in it')
    .option('--beam <k>', 'beam size (1 = greedy)', '4')
    .option('--backend <name>', 'auto | wasm | wasm-native | cpu | webgpu | tensorflow | tensorflow-gpu', 'auto')
    .action(async (flags: TranslateFlags) => {
      result.code = await translateCommand(flags, io);
    });

  program
    .command('evaluate')
    .description('Translate the source side of a TSV file and print corpus BLEU (sacreBLEU-compatible: 13a, exp smoothing) as JSON.')
    .requiredOption('--checkpoint <dir>', 'run directory (checkpoint.dir) or one step-NNNNNNNN checkpoint in it')
    .requiredOption('--data <file.tsv>', 'sentence pairs, columns as in the run\'s spec (.gz allowed)')
    .option('--beam <k>', 'beam size (1 = greedy)', '4')
    .option('--limit <n>', 'evaluate only the first n pairs')
    .option('--backend <name>', 'auto | wasm | wasm-native | cpu | webgpu | tensorflow | tensorflow-gpu', 'auto')
    .action(async (flags: EvaluateFlags) => {
      result.code = await evaluateCommand(flags, io);
    });

  program
    .command('generate')
    .description('Continue a prompt with a trained language model.')
    .requiredOption('--checkpoint <dir>', 'run directory (checkpoint.dir) or one step-NNNNNNNN checkpoint in it')
    .requiredOption('--prompt <text>', 'text to continue')
    .option('--max-tokens <n>', 'tokens to generate', '200')
    .option('--temperature <t>', 'sampling temperature', '0.8')
    .option('--top-k <k>', 'keep the k most likely tokens (0 = all)', '0')
    .option('--top-p <p>', 'nucleus sampling mass', '0.95')
    .option('--seed <n>', 'sampling seed', '1')
    .option('--backend <name>', 'auto | wasm | wasm-native | cpu | webgpu | tensorflow | tensorflow-gpu', 'auto')
    .action(async (flags: GenerateFlags) => {
      result.code = await generateCommand(flags, io);
    });

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
    .option('--segment-bytes <size>', 'pipelining segment size', '1MiB')
    .option('--rank-env <key=value>', 'add to the rank processes\' environment (repeatable)', (kv: string, all: string[]) => [...all, kv], [] as string[])
    .option('--json', 'one JSON line per configuration')
    .action(async (flags: BenchAllReduceFlags) => {
      result.code = await benchAllReduceCommand(flags, io);
    });
  bench
    .command('model')
    .description('Time training steps of the benchmark Transformer (2,048 target tokens per step): tokens/s, forward/backward/optimizer split, peak RSS.')
    .option('--backend <name>', 'auto | wasm | wasm-native | cpu | webgpu | tensorflow | tensorflow-gpu', 'auto')
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
    .description('Train the benchmark Transformer with 1 and N local workers: target tokens/s, step phases (data, compute, idle, all-reduce, optimizer) and scaling efficiency.')
    .option('--workers <n,...>', 'worker counts to run (comma-separated list)', '1,2')
    .option('--steps <n>', 'timed steps per worker count', '10')
    .option('--warmup <n>', 'untimed steps first', '2')
    .option('--backend <name>', 'auto | wasm | wasm-native | cpu | webgpu | tensorflow | tensorflow-gpu', 'auto')
    .option('--batch <n>', 'sentence pairs per worker and step', '64')
    .option('--length <n>', 'source and target length in tokens', '32')
    .option('--compression <kind>', 'gradient wire format: none | fp16', 'none')
    .option('--rank-env <key=value>', "add to the worker processes' environment (repeatable)", (kv: string, all: string[]) => [...all, kv], [] as string[])
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

  return program;
}

/** Runs the CLI on `argv` (process.argv form) and returns the exit code. */
export async function run(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  const result: { code: ExitCode } = { code: EXIT.ok };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync([...argv]);
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      const helpShown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help';
      return helpShown ? EXIT.ok : EXIT.usage;
    }
    io.err(`orquesta: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failure;
  }
}
