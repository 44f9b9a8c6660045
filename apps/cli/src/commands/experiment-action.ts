/** `orquesta cancel|pause|resume ID` (`resume ID --trial N`: one paused trial, or one a search stopped). */
import type { ExperimentAction } from '@orquesta/coordinator';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, experimentId, withClient, type ClientFlags } from './coordinator-client.js';

export async function experimentActionCommand(action: ExperimentAction, idText: string, flags: ClientFlags & { trial?: string }, io: CliIO): Promise<ExitCode> {
  const id = experimentId(action, idText, io);
  if (id === undefined) return EXIT.usage;
  const trial = flags.trial === undefined ? undefined : Number(flags.trial);
  if (trial !== undefined && !(Number.isInteger(trial) && trial >= 0)) {
    io.err(`orquesta ${action}: --trial must be a trial index (0, 1, ...), got ${JSON.stringify(flags.trial)}`);
    return EXIT.usage;
  }
  return withClient(action, io, async () => {
    const after = await clientFor(flags, io).act(id, action, trial);
    io.out(`experiment ${id}: ${String(after['state'])}`);
    return EXIT.ok;
  });
}
