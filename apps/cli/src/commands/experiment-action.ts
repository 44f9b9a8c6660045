/** `orquesta cancel|pause|resume ID`. */
import type { ExperimentAction } from '@orquesta/coordinator';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, experimentId, withClient, type ClientFlags } from './coordinator-client.js';

export async function experimentActionCommand(action: ExperimentAction, idText: string, flags: ClientFlags, io: CliIO): Promise<ExitCode> {
  const id = experimentId(action, idText, io);
  if (id === undefined) return EXIT.usage;
  return withClient(action, io, async () => {
    const after = await clientFor(flags).act(id, action);
    io.out(`experiment ${id}: ${String(after['state'])}`);
    return EXIT.ok;
  });
}
