/** `orquesta quota set | list`: per-user quotas, set by the coordinator's admins and enforced by its scheduler. */
import type { Command } from 'commander';
import { CA_OPTION, COORDINATOR_OPTION, FINGERPRINT_OPTION, type ClientFlags } from './commands/coordinator-client.js';
import { quotaListCommand, quotaSetCommand, type QuotaFlags } from './commands/quota.js';
import type { CliIO, ExitCode } from './io.js';

/** Adds the `quota` command group to `program`; each action stores its exit code in `result`. */
export function addQuotaCommands(program: Command, io: CliIO, result: { code: ExitCode }): void {
  const quota = program
    .command('quota')
    .description(
      "Per-user quotas: the most slots a user's trials hold at once (more waits in the queue, the reason in `orquesta status`) and the highest priority they may submit at. Needs an admin's token.",
    );
  quota
    .command('set')
    .description("Set a user's quota, replacing the one they had: a limit left out is lifted (neither: no quota).")
    .argument('<user>', "the user (their token's name)")
    .option('--max-slots <n>', "most slots the user's trials hold at once")
    .option('--max-priority <p>', 'highest priority (0-100) the user may submit at; queued work above it is scheduled at it')
    .option(...COORDINATOR_OPTION)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .action(async (user: string, flags: QuotaFlags) => {
      result.code = await quotaSetCommand(user, flags, io);
    });
  quota
    .command('list')
    .description('List the quotas: user, max slots, slots in use, max priority.')
    .option(...COORDINATOR_OPTION)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .action(async (flags: ClientFlags) => {
      result.code = await quotaListCommand(flags, io);
    });
}
