/**
 * The tokenizer contract on real data: an 8,000-id BPE trained on the joint Spanish+English
 * train set encodes and decodes every train sentence back to its NFKC form.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { forEachPair } from '../readers/pair-reader.js';
import { SPECIAL_COUNT } from '../special-ids.js';
import type { BpeTokenizer } from './bpe-tokenizer.js';
import { BpeTrainer } from './bpe-trainer.js';
import { tokenizerFromJson } from './tokenizer-file.js';

const TRAIN = fileURLToPath(new URL('../../../../data/spa-eng/train.tsv.gz', import.meta.url));
const sentences: string[] = [];
let tokenizer: BpeTokenizer;

beforeAll(async () => {
  const trainer = new BpeTrainer({ vocabSize: 8000 });
  const report = await forEachPair(TRAIN, { sourceColumn: 1, targetColumn: 0, malformed: 'fail' }, (pair) => {
    sentences.push(pair.source, pair.target);
    trainer.addText(pair.source);
    trainer.addText(pair.target);
  });
  expect(report.records).toBe(119_376);
  tokenizer = trainer.train();
}, 120_000);

describe('BPE on spa-eng train', () => {
  it('fills the 8,000-id vocabulary', () => {
    expect(tokenizer.vocabSize).toBe(8000);
    // The joint alphabet has Spanish letters; frequent words are single tokens.
    for (const word of [' the', ' está', '¿', ' Tom']) expect(tokenizer.toJSON().vocab).toContain(word);
    expect(tokenizer.encode('¿Dónde está Tom?').length).toBeLessThanOrEqual(5);
  });

  it('round-trips every train sentence exactly (after NFKC)', () => {
    let failures = 0;
    let first = '';
    let tokens = 0;
    for (const text of sentences) {
      const ids = tokenizer.encode(text);
      tokens += ids.length;
      for (const id of ids) if (id < SPECIAL_COUNT) failures++;
      if (tokenizer.decode(ids) !== text.normalize('NFKC')) {
        failures++;
        first ||= text;
      }
    }
    expect(first).toBe('');
    expect(failures).toBe(0);
    expect(sentences).toHaveLength(2 * 119_376);
    // Subwords: fewer tokens than characters, more than words.
    expect(tokens).toBeLessThan(sentences.reduce((n, s) => n + s.length, 0) / 3);
  }, 60_000);

  it('trains the same merges again, from the sentences in reverse order', () => {
    const again = new BpeTrainer({ vocabSize: 8000 });
    for (let i = sentences.length - 1; i >= 0; i--) again.addText(sentences[i] as string);
    const json = again.train().toJSON();
    expect(json.merges.length).toBeGreaterThan(7000);
    expect(json.vocab).toEqual(tokenizer.toJSON().vocab);
    expect(json.merges).toEqual(tokenizer.toJSON().merges);
  }, 60_000);

  it('encodes identically after a JSON round trip', () => {
    const copy = tokenizerFromJson(JSON.parse(JSON.stringify(tokenizer)));
    for (const text of sentences.slice(0, 5000)) expect(copy.encode(text)).toEqual(tokenizer.encode(text));
  });
});
