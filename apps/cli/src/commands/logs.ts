/**
 * `orquesta logs ID [-f]`: workers' output, tagged with trial and rank; -f follows until the experiment
 * ends. `orquesta logs --audit`: the coordinator's audit trail (admins): who made each state-changing call.
 */
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, experimentId, withClient, type ClientFlags } from './coordinator-client.js';

export async function logsCommand(idText: string | undefined, flags: ClientFlags & { follow?: boolean; audit?: boolean }, io: CliIO): Promise<ExitCode> {
  if (flags.audit) {
    if (idText !== undefined) {
      io.err('orquesta logs: --audit shows the whole audit trail; give no experiment id');
      return EXIT.usage;
    }
    return withClient('logs', io, async () => {
      for (const e of await clientFor(flags, io).audit()) io.out(`${new Date(e.ts).toISOString()}  ${e.message}`);
      return EXIT.ok;
    });
  }
  if (idText === undefined) {
    io.err('orquesta logs: give an experiment id (or --audit)');
    return EXIT.usage;
  }
  const id = experimentId('logs', idText, io);
  if (id === undefined) return EXIT.usage;
  return withClient('logs', io, async () => {
    const client = clientFor(flags, io);
    const trials = new Map<number, number>();
    for (const t of (await client.status(id))['trials'] as { id: number; idx: number }[]) trials.set(t.id, t.idx);
    await client.logs(id, flags.follow === true, (row) => io.out(`[trial ${trials.get(row.trialId) ?? row.trialId} rank ${row.rank}] ${row.line}`));
    return EXIT.ok;
  });
}
