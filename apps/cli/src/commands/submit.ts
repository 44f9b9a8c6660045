/** `orquesta submit SPEC [--priority N]`: validates here, queues on the coordinator, prints the id. */
import { readFile } from 'node:fs/promises';
import { formatProblem, loadSpecFile } from '@orquesta/spec';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, withClient, type ClientFlags } from './coordinator-client.js';

export interface SubmitFlags extends ClientFlags {
  readonly priority?: string;
  readonly json?: boolean;
}

export async function submitCommand(file: string, flags: SubmitFlags, io: CliIO): Promise<ExitCode> {
  const loaded = await loadSpecFile(file);
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.out(formatProblem(problem));
    return EXIT.usage;
  }
  const priority = flags.priority === undefined ? undefined : Number(flags.priority);
  if (priority !== undefined && (!Number.isInteger(priority) || priority < 0 || priority > 100)) {
    io.err(`orquesta submit: --priority must be an integer from 0 to 100, got ${JSON.stringify(flags.priority)}`);
    return EXIT.usage;
  }
  const text = await readFile(file, 'utf8');
  return withClient('submit', io, async () => {
    const created = await clientFor(flags, io).submit(text, file, priority);
    io.out(flags.json ? JSON.stringify(created) : String(created.id));
    if (!flags.json)
      io.err(`orquesta submit: experiment ${created.id} (${loaded.spec.name}) queued with ${created.trials} trial${created.trials === 1 ? '' : 's'}`);
    return EXIT.ok;
  });
}
