/** How the cluster commands find and call the coordinator, and how they report its errors. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiError, CoordinatorClient, CoordinatorUnreachableError, InsecureCoordinatorError } from '@orquesta/coordinator';
import { CERTIFICATE_PROBLEM, CertificateTrustError, coordinatorFetch, type CoordinatorFetch } from '@orquesta/launch';
import { ENV } from '@orquesta/protocol';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export const DEFAULT_COORDINATOR = 'https://127.0.0.1:7070';
/** The `--coordinator` option of every command that talks to one. */
export const COORDINATOR_OPTION = ['--coordinator <url>', `coordinator API (default: $ORQUESTA_COORDINATOR or ${DEFAULT_COORDINATOR})`] as const;
/** How those commands trust the coordinator's certificate. */
export const CA_OPTION = [
  '--ca <file>',
  "verify the coordinator's certificate against this CA (or the coordinator's own tls.crt) instead of pinning it (default: $ORQUESTA_CA)",
] as const;
export const FINGERPRINT_OPTION = [
  '--tls-fingerprint <sha256>',
  "accept only the coordinator certificate with this SHA-256 fingerprint (`orquesta serve` prints it; default: $ORQUESTA_TLS_FINGERPRINT, else the one pinned on first use in known-coordinators.json: the CLI's in CONFIG, an agent's in STATE_DIR)",
] as const;

export interface ClientFlags {
  readonly coordinator?: string;
  readonly ca?: string;
  readonly tlsFingerprint?: string;
}

/** The client's configuration directory: $ORQUESTA_CONFIG_DIR, else $XDG_CONFIG_HOME/orquesta, else ~/.config/orquesta. */
export function configDir(): string {
  return process.env[ENV.configDir] ?? join(process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'orquesta');
}

/**
 * The fetch that trusts the coordinator as the flags say: --ca, --tls-fingerprint (or their variables),
 * else certificates pinned on first use in `knownFile` (the CLI's config directory; an agent's state directory).
 * @throws {CertificateTrustError} --ca cannot be read, or --tls-fingerprint is not a fingerprint (bad_option)
 */
export function trustedFetch(flags: ClientFlags, knownFile: string, log: (line: string) => void): CoordinatorFetch {
  const caFile = flags.ca ?? process.env[ENV.ca];
  const fingerprint = flags.tlsFingerprint ?? process.env[ENV.tlsFingerprint];
  let ca;
  if (caFile !== undefined) {
    try {
      ca = { pem: readFileSync(caFile, 'utf8'), file: caFile };
    } catch (error) {
      throw new CertificateTrustError(CERTIFICATE_PROBLEM.badOption, `cannot read --ca ${caFile}: ${(error as Error).message}`, { cause: error });
    }
    if (!ca.pem.includes('-----BEGIN CERTIFICATE-----'))
      throw new CertificateTrustError(CERTIFICATE_PROBLEM.badOption, `--ca ${caFile} holds no PEM certificate`);
  }
  return coordinatorFetch({ knownFile, log, ...(ca ? { ca } : {}), ...(fingerprint === undefined ? {} : { fingerprint }) });
}

export function coordinatorUrl(flags: ClientFlags): string {
  return flags.coordinator ?? process.env[ENV.coordinator] ?? DEFAULT_COORDINATOR;
}

/** The API token: ORQUESTA_TOKEN, else .orquesta/token (where `orquesta serve` keeps it by default), else CONFIG/token (see configDir). */
export function apiToken(): string | undefined {
  const fromEnv = process.env[ENV.token];
  if (fromEnv) return fromEnv.trim();
  for (const file of [join('.orquesta', 'token'), join(configDir(), 'token')]) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      // not there
    }
  }
  return undefined;
}

/** @throws {CertificateTrustError} a bad --ca or --tls-fingerprint */
export function clientFor(flags: ClientFlags, io: CliIO): CoordinatorClient {
  const fetcher = trustedFetch(flags, join(configDir(), 'known-coordinators.json'), (line) => io.err(`orquesta: ${line}`));
  return new CoordinatorClient(coordinatorUrl(flags), apiToken(), fetcher);
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
    if (error instanceof CertificateTrustError) {
      io.err(`orquesta ${command}: ${error.message}`);
      return error.problem === CERTIFICATE_PROBLEM.badOption ? EXIT.usage : EXIT.failure;
    }
    if (error instanceof CoordinatorUnreachableError || error instanceof InsecureCoordinatorError) {
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
