/**
 * A JSON file of values pinned by coordinator origin, like ssh's known_hosts: read whole, written whole
 * through a rename (mode 0600), so a reader never sees half a file. Used for the coordinator's control
 * key (agent/control-key-pin.ts) and its TLS certificate (trust/coordinator-fetch.ts).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type Pins<T> = Record<string, T>;

/** @returns the pins, or none when the file does not exist. @throws {Error} it cannot be read or is not JSON. */
export function readPins<T>(file: string): Pins<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
  return parsed as Pins<T>;
}

/** @throws {Error} the file cannot be written. */
export function writePins<T>(file: string, pins: Pins<T>): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(pins, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}
