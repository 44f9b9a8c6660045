import { readFile } from 'node:fs/promises';
import { TokenizerFileError } from '../errors.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';
import { decodeTokenizerJson } from './tokenizer-json.js';

/** Rebuilds a tokenizer from its `toJSON()` document. Throws TokenizerFileError for anything else (see `decodeTokenizerJson`). */
export function tokenizerFromJson(json: unknown): Tokenizer {
  const content = decodeTokenizerJson(json);
  return content.kind === 'bpe' ? new BpeTokenizer(content.vocab, content.merges, content.provenance) : new CharTokenizer(content.vocab, content.provenance);
}

/** Reads a tokenizer file. Throws TokenizerFileError when it cannot be read or is not a tokenizer (the cause says why). */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TokenizerFileError(`${path}: cannot read tokenizer file`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TokenizerFileError(`${path}: not valid JSON`, { cause: error });
  }
  try {
    return tokenizerFromJson(json);
  } catch (error) {
    if (error instanceof TokenizerFileError) throw new TokenizerFileError(`${path}: ${error.message}`, { cause: error, code: error.code });
    throw error;
  }
}

/** Writes `tokenizer` as JSON, atomically (a temporary file renamed over `path`). Rejects with the file system's error. */
export async function saveTokenizer(tokenizer: Tokenizer, path: string): Promise<void> {
  await tokenizer.save(path);
}
