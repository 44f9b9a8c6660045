/**
 * A long-term CURVE key pair kept in a file (JSON, mode 0600): the control socket's, beside the
 * database, so agents that know its public key reconnect after a coordinator restart; an agent's, in
 * its state directory, so a coordinator's agent key list keeps admitting it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { curveKeyPair } from 'zeromq';

export interface KeyPair {
  readonly publicKey: string;
  readonly secretKey: string;
}

/** A key file that exists but holds no key pair, or cannot be read or written. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

/** @throws {KeyFileError} the file exists but holds no key pair, or cannot be written. */
export function loadOrCreateKeyPair(file: string): KeyPair {
  try {
    if (existsSync(file)) {
      const keys = JSON.parse(readFileSync(file, 'utf8')) as Partial<KeyPair>;
      if (typeof keys.publicKey !== 'string' || keys.publicKey.length !== 40 || typeof keys.secretKey !== 'string' || keys.secretKey.length !== 40)
        throw new KeyFileError(`${file} holds no CURVE key pair; delete it to make a new one`);
      chmodSync(file, 0o600);
      return { publicKey: keys.publicKey, secretKey: keys.secretKey };
    }
    mkdirSync(dirname(file), { recursive: true });
    const keys = curveKeyPair();
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600, flag: 'wx' });
    return keys;
  } catch (error) {
    if (error instanceof KeyFileError) throw error;
    throw new KeyFileError(`cannot use the key file ${file}: ${(error as Error).message}`, { cause: error });
  }
}
