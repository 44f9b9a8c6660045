/**
 * The coordinator's API token: generated on first start (32 random bytes, hex), stored with mode 0600,
 * printed once by `orquesta serve`; every mutating call must carry it as `Authorization: Bearer`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ApiToken {
  readonly value: string;
  /** True when this call created the file (the caller prints the token once). */
  readonly created: boolean;
}

/** A token file that exists but holds no usable token, or cannot be read or written. */
export class TokenFileError extends Error {
  override readonly name = 'TokenFileError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** @throws {TokenFileError} */
export function loadOrCreateToken(file: string): ApiToken {
  try {
    if (existsSync(file)) {
      const value = readFileSync(file, 'utf8').trim();
      if (!/^[0-9a-f]{32,}$/.test(value)) throw new TokenFileError(`${file} does not hold a token (64 hex digits); delete it to make a new one`);
      chmodSync(file, 0o600);
      return { value, created: false };
    }
    mkdirSync(dirname(file), { recursive: true });
    const value = randomBytes(32).toString('hex');
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return { value, created: true };
  } catch (error) {
    if (error instanceof TokenFileError) throw error;
    throw new TokenFileError(`cannot use the token file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Compares a presented token with the real one in constant time. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
