import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_ERROR_CODES, TokenizerFileError } from '../errors.js';
import { SPECIAL_TOKENS } from '../special-ids.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import { loadTokenizer, tokenizerFromJson } from './tokenizer-file.js';
import { decodeTokenizerJson, encodeTokenizerJson } from './tokenizer-json.js';

const provenance = { corpusSha256: 'ab', fields: 'text', requestedVocabSize: 9 };
const specials = JSON.stringify(SPECIAL_TOKENS).slice(1, -1);

function thrown(f: () => unknown): TokenizerFileError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenizerFileError);
    return error as TokenizerFileError;
  }
  throw new Error('did not throw');
}

describe('tokenizer JSON envelope', () => {
  it('writes the fields in the order files have always had', () => {
    const bpe = new BpeTokenizer([...SPECIAL_TOKENS, 'a', 'b', 'ab'], [[4, 5]], provenance);
    expect(JSON.stringify(bpe)).toBe(
      `{"format":"orquesta-tokenizer","version":1,"kind":"bpe","normalization":"NFKC","provenance":{"corpusSha256":"ab","fields":"text","requestedVocabSize":9},"vocab":[${specials},"a","b","ab"],"merges":[[4,5]]}`,
    );
    const char = new CharTokenizer([...SPECIAL_TOKENS, 'x']);
    expect(JSON.stringify(char)).toBe(`{"format":"orquesta-tokenizer","version":1,"kind":"char","normalization":"NFKC","vocab":[${specials},"x"]}`);
  });

  it('decodes what it encodes', () => {
    const bpe = { kind: 'bpe', vocab: [...SPECIAL_TOKENS, 'a', 'b', 'ab'], merges: [[4, 5]], provenance } as const;
    expect(decodeTokenizerJson(JSON.parse(JSON.stringify(encodeTokenizerJson(bpe))))).toEqual(bpe);
    const char = { kind: 'char', vocab: [...SPECIAL_TOKENS, 'x'] } as const;
    expect(decodeTokenizerJson(JSON.parse(JSON.stringify(encodeTokenizerJson(char))))).toEqual(char);
  });

  it('rejects another format, version, kind or normalization with DATA_TOKENIZER_ENVELOPE', () => {
    const good = encodeTokenizerJson({ kind: 'char', vocab: [...SPECIAL_TOKENS, 'x'] });
    for (const [patch, message] of [
      [{ format: 'other' }, /format is "other"/],
      [{ version: 2 }, /version 2 is not supported; expected 1/],
      [{ version: '1' }, /version "1"/],
      [{ kind: 'wordpiece' }, /kind "wordpiece" is not "bpe" or "char"/],
      [{ kind: undefined }, /kind undefined/],
      [{ normalization: 'NFC' }, /normalization "NFC"/],
    ] as const) {
      const error = thrown(() => decodeTokenizerJson({ ...good, ...patch }));
      expect(error.code).toBe(DATA_ERROR_CODES.tokenizerEnvelope);
      expect(error.message).toMatch(message);
    }
  });

  it('rejects a malformed body with DATA_TOKENIZER_FILE', () => {
    const good = encodeTokenizerJson({ kind: 'bpe', vocab: [...SPECIAL_TOKENS, 'a'], merges: [] });
    for (const json of [null, 'text', { ...good, vocab: 'a' }, { ...good, merges: undefined }, { ...good, provenance: { fields: 'x' } }]) {
      expect(thrown(() => decodeTokenizerJson(json)).code).toBe(DATA_ERROR_CODES.tokenizerFile);
    }
    expect(thrown(() => tokenizerFromJson({ ...good, vocab: ['x'] })).code).toBe(DATA_ERROR_CODES.tokenizerFile);
  });

  it('keeps the code when a file is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-envelope-'));
    const path = join(dir, 'tokenizer.json');
    await new CharTokenizer([...SPECIAL_TOKENS, 'x']).save(path);
    const saved = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect((await loadTokenizer(path)).kind).toBe('char');
    writeFileSync(path, JSON.stringify({ ...saved, version: 2 }));
    const error = (await loadTokenizer(path).catch((e: unknown) => e)) as TokenizerFileError;
    expect(error).toBeInstanceOf(TokenizerFileError);
    expect(error.code).toBe(DATA_ERROR_CODES.tokenizerEnvelope);
    expect(error.message).toBe(`${path}: version 2 is not supported; expected 1`);
    writeFileSync(path, '[');
    expect(((await loadTokenizer(path).catch((e: unknown) => e)) as TokenizerFileError).code).toBe(DATA_ERROR_CODES.tokenizerFile);
  });
});
