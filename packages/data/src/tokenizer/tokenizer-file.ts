import { readFile } from 'node:fs/promises';
import { TokenizerFileError } from '../errors.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import type { Tokenizer, TokenizerProvenance } from './tokenizer.js';

/** Rebuilds a tokenizer from its `toJSON()` document. Throws TokenizerFileError for anything else. */
export function tokenizerFromJson(json: unknown): Tokenizer {
  if (typeof json !== 'object' || json === null) throw new TokenizerFileError('a tokenizer file holds a JSON object');
  const doc = json as Record<string, unknown>;
  if (doc['format'] !== 'orquesta-tokenizer') throw new TokenizerFileError(`format is ${JSON.stringify(doc['format'])}; expected "orquesta-tokenizer"`);
  if (doc['version'] !== 1) throw new TokenizerFileError(`version ${JSON.stringify(doc['version'])} is not supported; expected 1`);
  if (doc['normalization'] !== 'NFKC') throw new TokenizerFileError(`normalization ${JSON.stringify(doc['normalization'])} is not supported; expected "NFKC"`);
  const vocab = doc['vocab'];
  if (!Array.isArray(vocab)) throw new TokenizerFileError('vocab must be an array of token texts');
  const provenance = readProvenance(doc['provenance']);
  if (doc['kind'] === 'bpe') {
    const merges = doc['merges'];
    if (!Array.isArray(merges)) throw new TokenizerFileError('merges must be an array of [left id, right id]');
    return new BpeTokenizer(vocab as string[], merges as [number, number][], provenance);
  }
  if (doc['kind'] === 'char') return new CharTokenizer(vocab as string[], provenance);
  throw new TokenizerFileError(`kind ${JSON.stringify(doc['kind'])} is not "bpe" or "char"`);
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
    if (error instanceof TokenizerFileError) throw new TokenizerFileError(`${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Writes `tokenizer` as JSON, atomically (a temporary file renamed over `path`). Rejects with the file system's error. */
export async function saveTokenizer(tokenizer: Tokenizer, path: string): Promise<void> {
  await tokenizer.save(path);
}

function readProvenance(value: unknown): TokenizerProvenance | undefined {
  if (value === undefined) return undefined;
  const p = value as Partial<TokenizerProvenance> | null;
  if (typeof p !== 'object' || p === null || typeof p.corpusSha256 !== 'string' || typeof p.fields !== 'string' || typeof p.requestedVocabSize !== 'number') {
    throw new TokenizerFileError('provenance must hold corpusSha256, fields and requestedVocabSize');
  }
  return { corpusSha256: p.corpusSha256, fields: p.fields, requestedVocabSize: p.requestedVocabSize };
}
