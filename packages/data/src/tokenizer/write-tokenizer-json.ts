import { rename, writeFile } from 'node:fs/promises';
import type { TokenizerJson } from './tokenizer.js';

/** Writes a tokenizer document atomically: a temporary file beside `path`, renamed over it. Rejects with the file system's error. */
export async function writeTokenizerJson(json: TokenizerJson, path: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(json) + '\n', 'utf8');
  await rename(tmp, path);
}
