/** `orquesta quota set USER [--max-slots N] [--max-priority P] | list`: per-user limits the scheduler enforces (admins). */
import type { QuotaView } from '@orquesta/coordinator';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, table, withClient, type ClientFlags } from './coordinator-client.js';

export interface QuotaFlags extends ClientFlags {
  readonly maxSlots?: string;
  readonly maxPriority?: string;
}

export async function quotaSetCommand(user: string, flags: QuotaFlags, io: CliIO): Promise<ExitCode> {
  const maxSlots = flags.maxSlots === undefined ? undefined : Number(flags.maxSlots);
  if (maxSlots !== undefined && !(Number.isInteger(maxSlots) && maxSlots >= 0)) {
    io.err(`orquesta quota set: --max-slots must be a whole number of slots, got ${JSON.stringify(flags.maxSlots)}`);
    return EXIT.usage;
  }
  const maxPriority = flags.maxPriority === undefined ? undefined : Number(flags.maxPriority);
  if (maxPriority !== undefined && !(Number.isInteger(maxPriority) && maxPriority >= 0 && maxPriority <= 100)) {
    io.err(`orquesta quota set: --max-priority must be an integer from 0 to 100, got ${JSON.stringify(flags.maxPriority)}`);
    return EXIT.usage;
  }
  return withClient('quota set', io, async () => {
    const quota = {
      ...(maxSlots === undefined ? {} : { maxSlots }),
      ...(maxPriority === undefined ? {} : { maxPriority }),
    };
    const set = await clientFor(flags, io).setQuota(user, quota);
    io.out(maxSlots === undefined && maxPriority === undefined ? `${user}: no quota (unlimited)` : describe(set));
    return EXIT.ok;
  });
}

export async function quotaListCommand(flags: ClientFlags, io: CliIO): Promise<ExitCode> {
  return withClient('quota list', io, async () => {
    const quotas = await clientFor(flags, io).quotas();
    const limit = (v: number | null) => (v === null ? '-' : String(v));
    for (const line of table(
      ['USER', 'MAX SLOTS', 'IN USE', 'MAX PRIORITY'],
      quotas.map((q) => [q.user, limit(q.maxSlots), String(q.slotsInUse), limit(q.maxPriority)]),
    ))
      io.out(line);
    return EXIT.ok;
  });
}

function describe(q: QuotaView): string {
  const slots = q.maxSlots === null ? 'slots unlimited' : `at most ${q.maxSlots} slot(s) at once (${q.slotsInUse} in use)`;
  return `${q.user}: ${slots}, ${q.maxPriority === null ? 'any priority' : `priority at most ${q.maxPriority}`}`;
}
