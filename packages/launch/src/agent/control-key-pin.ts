/**
 * How an agent trusts the coordinator's control key (the CURVE key of its control socket), which it
 * learns from `GET /api/cluster`: an agent never connects without CURVE (its hello carries the API
 * token), and the key must be the one pinned, by `--control-key`, or else on first use in the agent's
 * pin file (coordinator origin -> key, like ssh's known_hosts). A missing, malformed, different or
 * changed key refuses the start, saying why.
 */
import { z85Decode } from '@orquesta/curve';
import { readPins, writePins } from '../trust/pin-file.js';

export const CONTROL_KEY_PROBLEM = {
  /** The coordinator answered without a control key. */
  missing: 'missing',
  /** Not 40 Z85 characters. */
  malformed: 'malformed',
  /** Not the key given with --control-key. */
  notPinned: 'not_pinned',
  /** Not the key pinned on first use. */
  changed: 'changed',
  /** The pin file cannot be read or written. */
  pinFile: 'pin_file',
} as const;

export type ControlKeyProblem = (typeof CONTROL_KEY_PROBLEM)[keyof typeof CONTROL_KEY_PROBLEM];

/** The agent refuses to connect: the coordinator's control key cannot be trusted. */
export class ControlKeyError extends Error {
  override readonly name = 'ControlKeyError';
  constructor(
    readonly problem: ControlKeyProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface ControlKeyPin {
  /** The key the agent was started with (`--control-key`): the only one accepted. */
  readonly expected?: string;
  /** JSON file of keys pinned on first use, by coordinator origin. */
  readonly file: string;
}

type Pin = { readonly key: string; readonly since: string };

const isKey = (key: unknown): key is string => typeof key === 'string' && key.length === 40 && z85Decode(key) !== undefined;

/**
 * @returns the key to connect with, and whether it was pinned just now (first use).
 * @throws {ControlKeyError}
 */
export function trustControlKey(served: unknown, origin: string, pin: ControlKeyPin, now = new Date()): { key: string; firstUse: boolean } {
  if (served === undefined || served === null || served === '')
    throw new ControlKeyError(
      CONTROL_KEY_PROBLEM.missing,
      `the coordinator at ${origin} offers no control key (controlPublicKey in GET /api/cluster); an agent never connects without CURVE, since its hello carries the API token. Is something else answering at that address?`,
    );
  if (!isKey(served))
    throw new ControlKeyError(
      CONTROL_KEY_PROBLEM.malformed,
      `the coordinator at ${origin} offers a control key that is not 40 Z85 characters: ${JSON.stringify(served).slice(0, 60)}`,
    );
  if (pin.expected !== undefined) {
    if (served !== pin.expected)
      throw new ControlKeyError(
        CONTROL_KEY_PROBLEM.notPinned,
        `the coordinator at ${origin} offers control key ${served}, not ${pin.expected} (--control-key); refusing to connect: another host may be answering in its place`,
      );
    return { key: served, firstUse: false };
  }
  const pinned = readKeys(pin.file);
  const known = pinned[origin];
  if (known) {
    if (known.key !== served)
      throw new ControlKeyError(
        CONTROL_KEY_PROBLEM.changed,
        `the coordinator at ${origin} offers control key ${served}, but ${known.key} was pinned for it on ${known.since} (${pin.file}); refusing to connect: another host may be answering in its place. If its key really changed (a new control.key), remove that entry or start with --control-key`,
      );
    return { key: served, firstUse: false };
  }
  writeKeys(pin.file, { ...pinned, [origin]: { key: served, since: now.toISOString() } });
  return { key: served, firstUse: true };
}

function readKeys(file: string): Record<string, Pin> {
  try {
    return readPins<Pin>(file);
  } catch (error) {
    throw new ControlKeyError(CONTROL_KEY_PROBLEM.pinFile, `cannot read the pinned control keys ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function writeKeys(file: string, pins: Record<string, Pin>): void {
  try {
    writePins(file, pins);
  } catch (error) {
    throw new ControlKeyError(CONTROL_KEY_PROBLEM.pinFile, `cannot record the coordinator's control key in ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
