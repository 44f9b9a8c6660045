/** How the cluster commands find and call the coordinator, and how they report its errors. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiError, CoordinatorClient, CoordinatorUnreachableError } from '@orquesta/coordinator';
import { ENV } from '@orquesta/protocol';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export const DEFAULT_COORDINATOR = 'http://127.0.0.1:7070';
/** The `--coordinator` option of every command that talks to one. */
export const COORDINATOR_OPTION = ['--coordinator <url>', `coordinator API (default: $ORQUESTA_COORDINATOR or ${DEFAULT_COORDINATOR})`] as const;

export interface ClientFlags {
  readonly coordinator?: string;
}

export function coordinatorUrl(flags: ClientFlags): string {
  return flags.coordinator ?? process.env[ENV.coordinator] ?? DEFAULT_COORDINATOR;
}

/** The API token: ORQUESTA_TOKEN, else .orquesta/token (where `orquesta serve` keeps it by default), else ~/.config/orquesta/token. */
export function apiToken(): string | undefined {
  const fromEnv = process.env[ENV.token];
  if (fromEnv) return fromEnv.trim();
  for (const file of [join('.orquesta', 'token'), join(homedir(), '.config', 'orquesta', 'token')]) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      // not there
    }
  }
  return undefined;
}

export function clientFor(flags: ClientFlags): CoordinatorClient {
  return new CoordinatorClient(coordinatorUrl(flags), apiToken());
}

/** Parses an experiment id argument; undefined (after printing why) when it is not one. */
export function experimentId(command: string, value: string, io: CliIO): number | undefined {
  const id = Number(value);
  if (Number.isSafeInteger(id) && id > 0) return id;
  io.err(`orquesta ${command}: experiment id must be a positive integer, got ${JSON.stringify(value)}`);
  return undefined;
}

/** Runs a client call, mapping the coordinator's errors to one line and an exit code. */
export async function withClient(command: string, io: CliIO, body: () => Promise<ExitCode>): Promise<ExitCode> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CoordinatorUnreachableError) {
      io.err(`orquesta ${command}: ${error.message}`);
      return EXIT.failure;
    }
    if (error instanceof ApiError) {
      for (const problem of error.problems) io.out(problem);
      io.err(`orquesta ${command}: ${error.message}`);
      return error.status === 400 || error.status === 404 || error.status === 409 ? EXIT.usage : EXIT.failure;
    }
    throw error;
  }
}

/** Left-aligned text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
