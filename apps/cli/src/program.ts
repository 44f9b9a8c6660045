import { Command, CommanderError } from 'commander';
import { schemaCommand } from './commands/schema.js';
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
