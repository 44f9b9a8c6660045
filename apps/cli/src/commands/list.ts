/** `orquesta list`: experiments on the coordinator, one row each, a page at a time (`--state`, `--limit`, `--offset`). */
import { EXIT, type CliIO, type ExitCode } from '../io.js';

function usage(io: CliIO, message: string): ExitCode {
  io.err(`orquesta list: ${message}`);
  return EXIT.usage;
}
import { clientFor, table, withClient, type ClientFlags } from './coordinator-client.js';

export interface ListFlags extends ClientFlags {
  readonly json?: boolean;
  readonly state?: string;
  readonly limit?: string;
  readonly offset?: string;
}

export async function listCommand(flags: ListFlags, io: CliIO): Promise<ExitCode> {
  const limit = Number(flags.limit ?? 50);
  const offset = Number(flags.offset ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return usage(io, `--limit must be an integer from 1 to 10000, got ${flags.limit}`);
  if (!Number.isInteger(offset) || offset < 0) return usage(io, `--offset must be an integer >= 0, got ${flags.offset}`);
  return withClient('list', io, async () => {
    const { rows, total } = await clientFor(flags, io).list({ limit, offset, ...(flags.state ? { state: flags.state } : {}) });
    if (flags.json) {
      for (const row of rows) io.out(JSON.stringify(row));
      return EXIT.ok;
    }
    const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v === null || v === undefined ? '-' : String(v));
    for (const line of table(
      ['ID', 'NAME', 'STATE', 'PRIORITY', 'TRIALS', 'STEP', 'VALID LOSS', 'UPDATED', 'USER'],
      rows.map((r) => [
        fmt(r['id']),
        fmt(r['name']),
        fmt(r['state']),
        fmt(r['priority']),
        fmt(r['trials']),
        fmt(r['step']),
        fmt(r['validLoss']),
        fmt(r['updatedAt']),
        fmt(r['submitter']),
      ]),
    ))
      io.out(line);
    if (offset + rows.length < total || offset > 0)
      io.err(
        `experiments ${rows.length === 0 ? 0 : offset + 1}-${offset + rows.length} of ${total}${flags.state ? ` ${flags.state}` : ''} (--limit, --offset for more)`,
      );
    return EXIT.ok;
  });
}
