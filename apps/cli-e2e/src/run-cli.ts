import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, where a user runs `npx orquesta`. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../cli/bin/orquesta.js', import.meta.url));

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `orquesta` binary from the repository root, as a user would. */
export function orquesta(args: readonly string[], cwd = ROOT): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 2 ** 20 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
