import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { CorpusReadError } from '../errors.js';

/** SHA-256 (hex) of a file's bytes, streamed. Throws CorpusReadError when it cannot be read. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CorpusReadError(file, code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? String(error)}`, { cause: error });
  }
  return hash.digest('hex');
}
