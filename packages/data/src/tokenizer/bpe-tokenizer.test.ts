import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenizerFileError } from '../errors.js';
import { SPECIAL_IDS, UNK_TEXT } from '../special-ids.js';
import type { BpeTokenizer } from './bpe-tokenizer.js';
import { BpeTrainer } from './bpe-trainer.js';
import { loadTokenizer, saveTokenizer, tokenizerFromJson } from './tokenizer-file.js';

const corpus = [
  'Tom no sabe nadar.',
  '¿Dónde está la estación?',
  'Ella está en la estación de tren.',
  'Tom knows where the station is.',
  'The station is near the river.',
  '¡Qué día tan bonito!',
  'Él es mi hermano y ella es mi hermana.',
];

function train(vocabSize = 80, texts = corpus): BpeTokenizer {
  const trainer = new BpeTrainer({ vocabSize });
  for (const t of texts) trainer.addText(t);
  return trainer.train();
}

describe('BpeTokenizer', () => {
  it('round-trips text, merging frequent pieces', () => {
    const tok = train();
    expect(tok.vocabSize).toBeLessThanOrEqual(80);
    for (const text of corpus) {
      const ids = tok.encode(text);
      expect(ids.length).toBeLessThan([...text].length);
      expect(tok.decode(ids)).toBe(text);
    }
    expect(tok.decode(tok.encode('  estación   ¿Tom?  '))).toBe('  estación   ¿Tom?  ');
  });

  it('normalises with NFKC before encoding', () => {
    const tok = train();
    const decomposed = 'esta\u0301'; // a + combining acute
    expect(tok.decode(tok.encode(decomposed))).toBe('está');
    expect(tok.decode(tok.encode('Tom\u00a0no'))).toBe('Tom no');
    expect(tok.encode(decomposed)).toEqual(tok.encode('está'));
  });

  it('encodes unseen characters as unk and decodes them as U+FFFD; specials decode to nothing', () => {
    const tok = train();
    const ids = tok.encode('Tom 😀');
    expect([...ids]).toContain(SPECIAL_IDS.unk);
    expect(tok.decode(ids)).toBe(`Tom ${UNK_TEXT}`);
    expect(tok.decode([SPECIAL_IDS.bos, ...tok.encode('Tom'), SPECIAL_IDS.eos, SPECIAL_IDS.pad])).toBe('Tom');
    expect(tok.encode('<s></s><pad>')).not.toContain(SPECIAL_IDS.bos);
  });

  it('rejects ids outside the vocabulary', () => {
    const tok = train();
    expect(() => tok.decode([tok.vocabSize])).toThrow(RangeError);
    expect(() => tok.decode([-1])).toThrow(RangeError);
    expect(() => tok.decode([1.5])).toThrow(RangeError);
  });

  it('trains the same merges twice and regardless of text order', () => {
    const a = train(60).toJSON();
    const b = train(60).toJSON();
    const c = train(60, [...corpus].reverse()).toJSON();
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a.merges.length).toBeGreaterThan(10);
  });

  it('saves and loads as JSON, encoding identically', async () => {
    const tok = train();
    const path = join(mkdtempSync(join(tmpdir(), 'orquesta-bpe-')), 'tok.json');
    await saveTokenizer(tok, path);
    const loaded = await loadTokenizer(path);
    expect(loaded.kind).toBe('bpe');
    expect(loaded.toJSON()).toEqual(tok.toJSON());
    for (const text of corpus) expect(loaded.encode(text)).toEqual(tok.encode(text));
  });

  it('rejects files that are not consistent tokenizers', async () => {
    const good = train().toJSON();
    const bad = (patch: Record<string, unknown>) => () => tokenizerFromJson({ ...good, ...patch });
    expect(bad({ format: 'other' })).toThrow(TokenizerFileError);
    expect(bad({ version: 2 })).toThrow(/version 2/);
    expect(bad({ vocab: ['<pad>', '<s>', '</s>', 'x', 'y'] })).toThrow(/vocab\[3\]/);
    expect(bad({ vocab: [...good.vocab, good.vocab[5]] })).toThrow(/repeats/);
    expect(bad({ merges: [[0, 5]] })).toThrow(/merge 0/);
    expect(bad({ merges: [[5, 5000]] })).toThrow(/merge 0/);
    expect(bad({ merges: [7] })).toThrow(/merge 0 is 7/);
    expect(bad({ kind: 'wordpiece' })).toThrow(/kind/);
    const path = join(mkdtempSync(join(tmpdir(), 'orquesta-bpe-')), 'broken.json');
    writeFileSync(path, '{"format": ');
    await expect(loadTokenizer(path)).rejects.toThrow(/not valid JSON/);
    await expect(loadTokenizer(path + '.missing')).rejects.toBeInstanceOf(TokenizerFileError);
  });
});
