/**
 * The agents allowed on the control socket: a text file of CURVE public keys (Z85, 40 characters),
 * one per line; `#` at the start of a line or after a space starts a comment (it is also a Z85 digit),
 * blank lines are ignored, a name may follow the key:
 *
 *     # rack 1
 *     rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7  gpu-node-1
 *
 * The file is read again whenever its modification time changes, so adding or revoking an agent
 * needs no restart; a file that turns unreadable or invalid keeps the last good list (and says why).
 */
import { readFileSync, statSync } from 'node:fs';
import { z85Decode } from './z85.js';

/** The key file cannot be read or holds a malformed line. */
export class AgentKeyFileError extends Error {
  override readonly name = 'AgentKeyFileError';
}

/**
 * The keys of a key file's text, as 32-byte buffers (hex strings for lookup).
 * @throws {AgentKeyFileError} naming FILE:LINE of the first malformed line.
 */
export function parseAgentKeys(text: string, file: string): Set<string> {
  const keys = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim(); // '#' is a Z85 digit: comments start a line or follow a space
    if (line === '') return;
    const [key] = line.split(/\s+/);
    const bytes = key?.length === 40 ? z85Decode(key) : undefined;
    if (bytes === undefined) throw new AgentKeyFileError(`${file}:${i + 1}: "${key}" is not a CURVE public key (40 Z85 characters)`);
    keys.add(bytes.toString('hex'));
  });
  return keys;
}

export class AgentKeyList {
  private keys: Set<string>;
  private mtimeMs: number;

  /** @throws {AgentKeyFileError} the file cannot be read or is malformed (at start-up, nothing is allowed on a guess). */
  constructor(
    readonly file: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    try {
      this.mtimeMs = statSync(file).mtimeMs;
      this.keys = parseAgentKeys(readFileSync(file, 'utf8'), file);
    } catch (error) {
      if (error instanceof AgentKeyFileError) throw error;
      throw new AgentKeyFileError(`cannot read the agent key file ${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  get size(): number {
    return this.keys.size;
  }

  /** Whether `publicKey` (32 bytes) is listed, after re-reading the file if it changed. */
  allows(publicKey: Uint8Array): boolean {
    this.refresh();
    return this.keys.has(Buffer.from(publicKey).toString('hex'));
  }

  /** Re-reads a changed file; a failed read is reported once per change of the file. */
  private refresh(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.file).mtimeMs;
    } catch {
      mtimeMs = -1; // gone: keep the list until it comes back
    }
    if (mtimeMs === this.mtimeMs) return;
    this.mtimeMs = mtimeMs;
    try {
      this.keys = parseAgentKeys(readFileSync(this.file, 'utf8'), this.file);
      this.log(`agent key file ${this.file} reloaded: ${this.keys.size} key(s)`);
    } catch (error) {
      this.log(`agent key file ${this.file} not reloaded, keeping ${this.keys.size} key(s): ${(error as Error).message}`);
    }
  }
}
