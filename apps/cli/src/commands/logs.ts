/** `orquesta logs ID [-f]`: workers' output, tagged with trial and rank; -f follows until the experiment ends. */
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, experimentId, withClient, type ClientFlags } from './coordinator-client.js';

export async function logsCommand(idText: string, flags: ClientFlags & { follow?: boolean }, io: CliIO): Promise<ExitCode> {
  const id = experimentId('logs', idText, io);
  if (id === undefined) return EXIT.usage;
  return withClient('logs', io, async () => {
    const client = clientFor(flags);
    const trials = new Map<number, number>();
    for (const t of (await client.status(id))['trials'] as { id: number; idx: number }[]) trials.set(t.id, t.idx);
    await client.logs(id, flags.follow === true, (row) => io.out(`[trial ${trials.get(row.trialId) ?? row.trialId} rank ${row.rank}] ${row.line}`));
    return EXIT.ok;
  });
}
