import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { preTokenize } from './pre-tokenize.js';

describe('preTokenize', () => {
  it('attaches one leading space to a word and keeps punctuation apart', () => {
    expect(preTokenize('¿Tienes  alguna queja?')).toEqual(['¿', 'Tienes', ' ', ' alguna', ' queja', '?']);
    expect(preTokenize("I'm 25, OK.")).toEqual(['I', "'", 'm', ' 25', ',', ' OK', '.']);
  });

  it('keeps leading, trailing and non-space whitespace as pieces', () => {
    expect(preTokenize('  hola\tmundo \n')).toEqual([' ', ' hola', '\t', 'mundo', ' \n']);
  });

  it('is lossless on arbitrary text', () => {
    const alphabet = ['a', 'Z', 'é', 'ñ', '¿', '¡', ' ', ' ', '\t', '\n', '1', '.', '€', '\u0308', '\u200b', '😀', '中', "'", '-'];
    const rng = new Rng(7);
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const len = rng.below(24);
      for (let i = 0; i < len; i++) text += alphabet[rng.below(alphabet.length)] as string;
      const pieces = preTokenize(text);
      expect(pieces.join('')).toBe(text);
      for (const p of pieces) expect(p.length).toBeGreaterThan(0);
    }
  });
});
