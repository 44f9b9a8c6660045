/** `orquesta token create | revoke | list`: named API tokens with roles, managed by the coordinator's admins. */
import type { Command } from 'commander';
import { CA_OPTION, COORDINATOR_OPTION, FINGERPRINT_OPTION, type ClientFlags } from './commands/coordinator-client.js';
import { tokenCreateCommand, tokenListCommand, tokenRevokeCommand } from './commands/token.js';
import type { CliIO, ExitCode } from './io.js';

/** Adds the `token` command group to `program`; each action stores its exit code in `result`. */
export function addTokenCommands(program: Command, io: CliIO, result: { code: ExitCode }): void {
  const coordinator = COORDINATOR_OPTION;
  const token = program
    .command('token')
    .description(
      "Named API tokens with a role (viewer: reads; submitter: submits and changes its own experiments; admin: everything). Needs an admin's token, e.g. the token file's.",
    );
  token
    .command('create')
    .description('Create a token for a user; prints it once (only its SHA-256 is kept).')
    .argument('<name>', "the user's name: what the audit trail and each experiment's submitter show")
    .requiredOption('--role <role>', 'viewer | submitter | admin')
    .option(...coordinator)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .action(async (name: string, flags: ClientFlags & { role: string }) => {
      result.code = await tokenCreateCommand(name, flags, io);
    });
  token
    .command('revoke')
    .description('Revoke a token: refused from the next request on (the name is never reused).')
    .argument('<name>', "the token's name")
    .option(...coordinator)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .action(async (name: string, flags: ClientFlags) => {
      result.code = await tokenRevokeCommand(name, flags, io);
    });
  token
    .command('list')
    .description('List the named tokens: name, role, when created and revoked.')
    .option(...coordinator)
    .option(...CA_OPTION)
    .option(...FINGERPRINT_OPTION)
    .action(async (flags: ClientFlags) => {
      result.code = await tokenListCommand(flags, io);
    });
}
