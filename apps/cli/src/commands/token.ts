/** `orquesta token create NAME --role R | revoke NAME | list`: named API tokens (the coordinator's admins). */
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, table, withClient, type ClientFlags } from './coordinator-client.js';

const ROLES = ['viewer', 'submitter', 'admin'];

export async function tokenCreateCommand(name: string, flags: ClientFlags & { role: string }, io: CliIO): Promise<ExitCode> {
  if (!ROLES.includes(flags.role)) {
    io.err(`orquesta token create: --role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(flags.role)}`);
    return EXIT.usage;
  }
  return withClient('token create', io, async () => {
    const created = await clientFor(flags, io).createToken(name, flags.role);
    io.err(`token ${created.name} (${created.role}) created; it is shown this once: give it to its user as ORQUESTA_TOKEN`);
    io.out(created.token);
    return EXIT.ok;
  });
}

export async function tokenRevokeCommand(name: string, flags: ClientFlags, io: CliIO): Promise<ExitCode> {
  return withClient('token revoke', io, async () => {
    await clientFor(flags, io).revokeToken(name);
    io.out(`token ${name} revoked`);
    return EXIT.ok;
  });
}

export async function tokenListCommand(flags: ClientFlags, io: CliIO): Promise<ExitCode> {
  return withClient('token list', io, async () => {
    const tokens = await clientFor(flags, io).tokens();
    for (const line of table(
      ['NAME', 'ROLE', 'CREATED', 'REVOKED'],
      tokens.map((t) => [t.name, t.role, t.createdAt, t.revokedAt ?? '-']),
    ))
      io.out(line);
    return EXIT.ok;
  });
}
