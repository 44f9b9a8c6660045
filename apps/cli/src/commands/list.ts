/** `orquesta list`: experiments on the coordinator, one row each. */
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, table, withClient, type ClientFlags } from './coordinator-client.js';

export async function listCommand(flags: ClientFlags & { json?: boolean }, io: CliIO): Promise<ExitCode> {
  return withClient('list', io, async () => {
    const rows = await clientFor(flags).list();
    if (flags.json) {
      for (const row of rows) io.out(JSON.stringify(row));
      return EXIT.ok;
    }
    const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v === null || v === undefined ? '-' : String(v));
    for (const line of table(
      ['ID', 'NAME', 'STATE', 'PRIORITY', 'TRIALS', 'STEP', 'VALID LOSS', 'UPDATED'],
      rows.map((r) => [
        fmt(r['id']),
        fmt(r['name']),
        fmt(r['state']),
        fmt(r['priority']),
        fmt(r['trials']),
        fmt(r['step']),
        fmt(r['validLoss']),
        fmt(r['updatedAt']),
      ]),
    ))
      io.out(line);
    return EXIT.ok;
  });
}
