import { Command, CommanderError } from 'commander';
import { JOB_STATE } from '@orquesta/coordinator';
import { evaluateCommand, type EvaluateFlags } from './commands/evaluate.js';
import { generateCommand, type GenerateFlags } from './commands/generate.js';
import { schemaCommand } from './commands/schema.js';
import { translateCommand, type TranslateFlags } from './commands/translate.js';
import { attentionCommand, type AttentionFlags } from './commands/attention.js';
import { serveModelCommand, type ServeModelFlags } from './commands/serve-model.js';
import { trainCommand, type TrainFlags } from './commands/train.js';
import { validateCommand } from './commands/validate.js';
import { agentCommand, type AgentFlags } from './commands/agent.js';
import { CA_OPTION, COORDINATOR_OPTION, FINGERPRINT_OPTION, type ClientFlags } from './commands/coordinator-client.js';
import { CHAOS_COMMANDS, chaosCommand, type ChaosFlags } from './commands/chaos.js';
import { experimentActionCommand } from './commands/experiment-action.js';
import { listCommand, type ListFlags } from './commands/list.js';
import { logsCommand } from './commands/logs.js';
import { planCommand, type PlanFlags } from './commands/plan.js';
import { serveCommand, type ServeFlags } from './commands/serve.js';
import { slurmTaskCommand } from './commands/slurm-task.js';
import { compareCommand } from './commands/compare.js';
import { addTokenCommands } from './token-program.js';
import { addQuotaCommands } from './quota-program.js';
import { statusCommand } from './commands/status.js';
import { submitCommand, type SubmitFlags } from './commands/submit.js';
import { EXIT, type CliIO, type ExitCode } from './io.js';
import { addBenchCommands } from './bench-program.js';
import { backendOption } from './backend-option.js';

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
    .description("Print the experiment-spec JSON Schema (draft 2020-12), with every field's unit and default.")
    .action(() => {
      result.code = schemaCommand(io);
    });

  program
    .command('train')
    .description(
      "Train an experiment on this machine: one process per worker, progress, checkpoints, final metrics as JSON. A dead worker restarts the run from its last checkpoint, up to fault_tolerance.max_restarts times (default 3); then the command exits 1. A spec whose workers' planned memory cannot fit (the wasm heap, this machine's memory) exits 2 before anything starts.",
    )
    .argument('<spec>', 'experiment spec (YAML)')
    .option('--workers <n>', "worker processes (default: the spec's resources.workers)")
    .option(
      '--set <field=value>',
      'override a spec field, e.g. --set training.max_steps=100 (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--quiet', 'no progress bar')
    .action(async (file: string, flags: TrainFlags) => {
      result.code = await trainCommand(file, flags, io);
    });

  program
    .command('translate')
    .description('Translate stdin to stdout, one sentence per line, with a trained translation model.')
    .requiredOption('--checkpoint <dir>', 'run directory (checkpoint.dir) or one step-NNNNNNNN checkpoint in it')
    .option('--beam <k>', 'beam size (1 = greedy)', '4')
    .addOption(backendOption())
    .action(async (flags: TranslateFlags) => {
      result.code = await translateCommand(flags, io);
    });

  program
    .command('attention')
    .description(
      'Translate a sentence (or continue a prompt) with a trained model and show the attention weights that made it: attention.json and SVG heatmaps (every layer x head, and one head with its tokens), or --json.',
    )
    .argument('<text>', 'the sentence to translate, or the prompt of a language model')
    .requiredOption('--checkpoint <dir>', 'run directory (checkpoint.dir) or one step-NNNNNNNN checkpoint in it')
    .option('--out <dir>', 'where the JSON and SVG files go', 'attention')
    .option('--kind <kind>', 'attention drawn large: cross, encoder or decoder (default: cross; decoder for a language model)')
    .option('--layer <n>', 'its layer (default: the last)')
    .option('--head <n>', 'its head', '0')
    .option('--beam <k>', 'beam size of the translation (1 = greedy)', '1')
    .option('--max-tokens <n>', 'tokens a language model generates', '40')
    .option('--seed <n>', 'sampling seed of a language model', '1')
    .option('--json', 'print {translation, source_tokens, target_tokens, encoder, decoder, cross} ([layer][head][query][key]) instead of writing files')
    .addOption(backendOption())
    .action(async (text: string, flags: AttentionFlags) => {
      result.code = await attentionCommand(text, flags, io);
    });

  program
    .command('serve-model')
    .description(
      'Serve a trained model over HTTP without a coordinator: POST /api/translate {text, beam?} or /api/generate {prompt, max_tokens?, temperature?, top_k?, top_p?, seed?}; concurrent requests are batched.',
    )
    .requiredOption('--checkpoint <dir>', 'run directory (checkpoint.dir) or one step-NNNNNNNN checkpoint in it')
    .option('--host <addr>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'HTTP port (0 picks one)', '7080')
    .option('--token-file <file>', 'the token POSTs need (made on first use)', '.orquesta/token')
    .option('--max-batch <n>', 'most requests decoded together', '32')
    .addOption(backendOption())
    .action(async (flags: ServeModelFlags) => {
      result.code = await serveModelCommand(flags, io);
    });

  program
    .command('evaluate')
    .description('Translate the source side of a TSV file and print corpus BLEU (sacreBLEU-compatible: 13a, exp smoothing) as JSON.')
    .requiredOption('--checkpoint <dir>', 'run directory (checkpoint.dir) or one step-NNNNNNNN checkpoint in it')
    .requiredOption('--data <file.tsv>', "sentence pairs, columns as in the run's spec (.gz allowed)")
    .option('--beam <k>', 'beam size (1 = greedy)', '4')
    .option('--limit <n>', 'evaluate only the first n pairs')
    .addOption(backendOption())
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
    .addOption(backendOption())
    .action(async (flags: GenerateFlags) => {
      result.code = await generateCommand(flags, io);
    });

  const coordinatorOption = COORDINATOR_OPTION;

  program
    .command('serve')
    .description('Run the coordinator daemon: HTTP API, persistent queue (SQLite), scheduler, control socket for agents.')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'HTTP port', '7070')
    .option('--control-port <n>', 'control socket port for agents (default: HTTP port + 1)')
    .option('--db <file>', 'SQLite state file', '.orquesta/coordinator.db')
    .option('--workdir <dir>', "directory specs' relative data paths are checked against (default: the working directory)")
    .option(
      '--allow-path <dir>',
      "another directory specs' data and checkpoint paths may use besides --workdir (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--token-file <file>', 'API token file, created with a new token (mode 0600) on first start (default: beside --db)')
    .option('--read-auth', 'require the token for reads too (dashboard: open it with ?token=...)')
    .option('--tls-cert <file>', 'PEM certificate (chain) for the HTTPS API, with --tls-key (default: a self-signed one made beside --db on first start)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option(
      '--insecure-http',
      'serve plain HTTP instead of HTTPS: tokens in clear text, for development on this machine only (--host must be a loopback address)',
    )
    .option(
      '--agent-keys <file>',
      "admit only the agents whose CURVE public keys this file lists, one per line (`orquesta agent --print-key` shows an agent's); re-read when it changes",
    )
    .option('--slurm', 'run specs with resources.launcher: slurm through sbatch/squeue/scancel on this host (SLURM_CONF applies)')
    .action(async (flags: ServeFlags) => {
      result.code = await serveCommand(flags, io);
    });

  program
    .command('agent')
    .description("Run a node agent: offer this node's slots (GPUs from nvidia-smi, else --slots or the CPU cores) and run workers for the coordinator.")
    .option(...coordinatorOption)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .option('--slots <n>', 'slots to offer (default: GPUs found, else CPU cores)')
    .option('--id <name>', 'agent name (default: the host name)')
    .option('--advertise-host <address>', "address other nodes reach this node's workers at (default: first non-internal IPv4)")
    .option('--ports <first-last>', "TCP ports for workers' gradient traffic", '29500-29999')
    .option('--workdir <dir>', "workers' working directory: specs' relative paths resolve against it (default: the working directory)")
    .option('--state-dir <dir>', 'where run specs are written (default: WORKDIR/.orquesta/agents/ID)')
    .option('--metrics-port <n>', "serve this agent's Prometheus metrics at :N/metrics")
    .option('--connect-timeout <seconds>', 'at start, keep asking a coordinator that does not answer yet for this long (0: once)', '60')
    .option(
      '--stop-grace <seconds>',
      'on SIGTERM or SIGINT (a drain, a preemption notice): seconds the workers get to checkpoint and stop before SIGKILL',
      '60',
    )
    .option(
      '--print-key',
      "print this agent's CURVE public key (kept in STATE_DIR/agent.key, created if missing) for the coordinator's --agent-keys file, and exit",
    )
    .option(
      '--control-key <key>',
      "the coordinator's control key (`orquesta serve` prints it at start): the only one trusted. Default: the key it offers on first contact, pinned in STATE_DIR/coordinator-keys.json and required ever after",
    )
    .action(async (flags: AgentFlags) => {
      result.code = await agentCommand(flags, io);
    });

  program
    .command('submit')
    .description('Validate a spec and queue it on the coordinator; prints the experiment id.')
    .argument('<spec>', 'experiment spec (YAML)')
    .option(...coordinatorOption)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .option('--priority <n>', "queue priority 0-100 (default: the spec's scheduling.priority)")
    .option('--json', 'print {id, trials} as JSON')
    .action(async (file: string, flags: SubmitFlags) => {
      result.code = await submitCommand(file, flags, io);
    });

  program
    .command('list')
    .description('List experiments: id, name, state, priority, trials, step, validation loss; a page at a time, ids ascending.')
    .option(...coordinatorOption)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .option('--state <state>', `only experiments in this state (${Object.values(JOB_STATE).join(', ')})`)
    .option('--limit <n>', 'at most this many (1-10000)', '50')
    .option('--offset <n>', 'skip this many matches first', '0')
    .option('--json', 'one JSON line per experiment')
    .action(async (flags: ListFlags) => {
      result.code = await listCommand(flags, io);
    });

  program
    .command('status')
    .description('Show an experiment: state, trials (best by validation loss), workers and their nodes.')
    .argument('<id>', 'experiment id')
    .option(...coordinatorOption)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .option('--json', 'print the status as JSON')
    .action(async (id: string, flags: ClientFlags & { json?: boolean }) => {
      result.code = await statusCommand(id, flags, io);
    });

  program
    .command('compare')
    .description("Compare experiments' trials side by side: hyperparameters, best validation loss and BLEU, steps, wall time, worker-seconds.")
    .argument('<ids...>', 'experiment ids (a search, or several runs)')
    .option(...coordinatorOption)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .option('--json', "print the comparison as JSON (with each trial's validation curve)")
    .action(async (ids: string[], flags: ClientFlags & { json?: boolean }) => {
      result.code = await compareCommand(ids, flags, io);
    });

  program
    .command('logs')
    .description("Print an experiment's worker output, tagged with trial and rank; or (--audit) who made each state-changing call.")
    .argument('[id]', 'experiment id')
    .option(...coordinatorOption)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .option('-f, --follow', 'keep printing until the experiment ends')
    .option('--audit', "the coordinator's audit trail: every submit, pause, resume, cancel, chaos and token change, with its user (admins)")
    .action(async (id: string | undefined, flags: ClientFlags & { follow?: boolean; audit?: boolean }) => {
      result.code = await logsCommand(id, flags, io);
    });

  program
    .command('slurm-task', { hidden: true })
    .requiredOption('--control <endpoint>', 'coordinator control endpoint')
    .requiredOption('--run <id>', 'run id')
    .requiredOption('--spec <file>', 'spec JSON')
    .action(async (flags: { control: string; run: string; spec: string }) => {
      result.code = await slurmTaskCommand(flags, io);
    });

  program
    .command('chaos')
    .description(`Rehearse a failure on a running experiment, recorded as an event: ${CHAOS_COMMANDS.join(', ')}.`)
    .argument('<action>', CHAOS_COMMANDS.join(' | '))
    .argument('<id>', 'experiment id')
    .option(...coordinatorOption)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .option('--rank <r>', 'the worker (default: a random rank)')
    .option('--node <agent>', 'a worker on this agent (partition, kill-agent)')
    .option('--seconds <s>', 'how long stall-worker and partition last (default 30)')
    .action(async (action: string, id: string, flags: ChaosFlags) => {
      result.code = await chaosCommand(action, id, flags, io);
    });

  program
    .command('plan')
    .description(
      "Show where the coordinator would place a spec (GPU per rank), its predicted step time from measured compute and all-reduce bandwidth, and each worker's planned peak memory (wasm heap, RSS), without launching. Exits 2 when a worker cannot fit, naming the field to change.",
    )
    .argument('<spec>', 'experiment spec (YAML)')
    .option(...coordinatorOption)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .option('--workers <n>', "workers (default: the spec's resources.workers)")
    .option(
      '--profile <file>',
      'JSON lines of `orquesta bench model --json`, `bench allreduce --json` and `bench scaling --independent --json` (default: .orquesta/profile.jsonl when present)',
    )
    .option('--per-host <n>', 'workers per host, when no coordinator gives a placement (picks the all-reduce algorithm and the measured contention; default 1)')
    .option('--json', 'print the plan as JSON')
    .action(async (file: string, flags: PlanFlags) => {
      result.code = await planCommand(file, flags, io);
    });

  for (const [action, description] of [
    ['cancel', 'Cancel an experiment: running trials checkpoint and stop; nothing of it runs again.'],
    ['pause', 'Pause an experiment: running trials checkpoint and stop, keeping their place to resume.'],
    ['resume', 'Queue a paused experiment again, or one trial (--trial); it continues from its last checkpoint.'],
  ] as const) {
    const command = program
      .command(action)
      .description(description)
      .argument('<id>', 'experiment id')
      .option(...coordinatorOption)
      .option(...CA_OPTION)
      .option(...FINGERPRINT_OPTION);
    if (action === 'resume') command.option('--trial <n>', 'resume only this trial (by index): a paused one, or one a search (ASHA) stopped early');
    command.action(async (id: string, flags: ClientFlags & { trial?: string }) => {
      result.code = await experimentActionCommand(action, id, flags, io);
    });
  }

  addTokenCommands(program, io, result);
  addQuotaCommands(program, io, result);
  addBenchCommands(program, io, result);

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
