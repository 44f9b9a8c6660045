/**
 * The tokenizer file's JSON document: an envelope (format, version, kind, normalization) around
 * the vocabulary, the merges (bpe) and the provenance. `encodeTokenizerJson` is the only place
 * the envelope is written and `decodeTokenizerJson` the only place it is checked.
 */
import { DATA_ERROR_CODES, TokenizerFileError } from '../errors.js';
import type { BpeTokenizerJson, CharTokenizerJson, TokenizerJson, TokenizerKind, TokenizerProvenance } from './tokenizer.js';

/** The `format` field of every tokenizer file. */
export const TOKENIZER_FORMAT = 'orquesta-tokenizer';
/** The file version this package writes and reads. */
export const TOKENIZER_VERSION = 1;
/** The text normalisation every tokenizer applies. */
export const TOKENIZER_NORMALIZATION = 'NFKC';
/** The kinds a tokenizer file may hold. */
export const TOKENIZER_KINDS: readonly TokenizerKind[] = ['bpe', 'char'];

/** What a tokenizer file holds besides its envelope. */
export type TokenizerContent =
  | {
      readonly kind: 'bpe';
      readonly vocab: readonly string[];
      readonly merges: readonly (readonly [number, number])[];
      readonly provenance?: TokenizerProvenance;
    }
  | { readonly kind: 'char'; readonly vocab: readonly string[]; readonly provenance?: TokenizerProvenance };

/** Wraps a tokenizer's content in the envelope (field order as files have always had it). */
export function encodeTokenizerJson(content: Extract<TokenizerContent, { kind: 'bpe' }>): BpeTokenizerJson;
export function encodeTokenizerJson(content: Extract<TokenizerContent, { kind: 'char' }>): CharTokenizerJson;
export function encodeTokenizerJson(content: TokenizerContent): TokenizerJson;
export function encodeTokenizerJson(content: TokenizerContent): TokenizerJson {
  const envelope = { format: TOKENIZER_FORMAT, version: TOKENIZER_VERSION, kind: content.kind, normalization: TOKENIZER_NORMALIZATION } as const;
  const provenance = content.provenance ? { provenance: content.provenance } : {};
  if (content.kind === 'bpe') return { ...envelope, kind: 'bpe', ...provenance, vocab: content.vocab, merges: content.merges };
  return { ...envelope, kind: 'char', ...provenance, vocab: content.vocab };
}

/**
 * Checks a tokenizer document's envelope and shape and returns its content; the vocabulary and
 * merges themselves are checked by the tokenizers' constructors.
 * @throws {TokenizerFileError} with code DATA_TOKENIZER_ENVELOPE for another format, version,
 * kind or normalization, DATA_TOKENIZER_FILE for anything else that is wrong.
 */
export function decodeTokenizerJson(json: unknown): TokenizerContent {
  if (typeof json !== 'object' || json === null) throw new TokenizerFileError('a tokenizer file holds a JSON object');
  const doc = json as Record<string, unknown>;
  const envelope = (message: string) => new TokenizerFileError(message, { code: DATA_ERROR_CODES.tokenizerEnvelope });
  if (doc['format'] !== TOKENIZER_FORMAT) throw envelope(`format is ${JSON.stringify(doc['format'])}; expected "${TOKENIZER_FORMAT}"`);
  if (doc['version'] !== TOKENIZER_VERSION) throw envelope(`version ${JSON.stringify(doc['version'])} is not supported; expected ${TOKENIZER_VERSION}`);
  if (doc['normalization'] !== TOKENIZER_NORMALIZATION) {
    throw envelope(`normalization ${JSON.stringify(doc['normalization'])} is not supported; expected "${TOKENIZER_NORMALIZATION}"`);
  }
  const vocab = doc['vocab'];
  if (!Array.isArray(vocab)) throw new TokenizerFileError('vocab must be an array of token texts');
  const provenance = readProvenance(doc['provenance']);
  const kind = doc['kind'];
  if (kind === 'bpe') {
    const merges = doc['merges'];
    if (!Array.isArray(merges)) throw new TokenizerFileError('merges must be an array of [left id, right id]');
    return { kind, vocab: vocab as string[], merges: merges as [number, number][], ...(provenance ? { provenance } : {}) };
  }
  if (kind === 'char') return { kind, vocab: vocab as string[], ...(provenance ? { provenance } : {}) };
  throw envelope(`kind ${JSON.stringify(kind)} is not ${TOKENIZER_KINDS.map((k) => `"${k}"`).join(' or ')}`);
}

function readProvenance(value: unknown): TokenizerProvenance | undefined {
  if (value === undefined) return undefined;
  const p = value as Partial<TokenizerProvenance> | null;
  if (typeof p !== 'object' || p === null || typeof p.corpusSha256 !== 'string' || typeof p.fields !== 'string' || typeof p.requestedVocabSize !== 'number') {
    throw new TokenizerFileError('provenance must hold corpusSha256, fields and requestedVocabSize');
  }
  return { corpusSha256: p.corpusSha256, fields: p.fields, requestedVocabSize: p.requestedVocabSize };
}
