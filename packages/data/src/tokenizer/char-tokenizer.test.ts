import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { forEachTextLine } from '../readers/text-reader.js';
import { SPECIAL_COUNT, SPECIAL_IDS } from '../special-ids.js';
import { CharTokenizer } from './char-tokenizer.js';
import { tokenizerFromJson } from './tokenizer-file.js';

const SHAKESPEARE = fileURLToPath(new URL('../../../../data/tinyshakespeare/input.txt.gz', import.meta.url));

describe('CharTokenizer', () => {
  it('gives one id per character, in code-point order after the special ids', () => {
    const tok = CharTokenizer.fromTexts(['banana', 'cab']);
    expect(tok.vocabSize).toBe(SPECIAL_COUNT + 4);
    expect([...tok.encode('abcn')]).toEqual([4, 5, 6, 7]);
    expect([...tok.encode('abz')]).toEqual([4, 5, SPECIAL_IDS.unk]);
    expect(tok.decode([SPECIAL_IDS.bos, 6, 4, 5, SPECIAL_IDS.eos])).toBe('cab');
  });

  it('round-trips all of tiny Shakespeare (65 characters) and survives JSON', async () => {
    const lines: string[] = [];
    await forEachTextLine(SHAKESPEARE, {}, (line) => lines.push(line.terminated ? line.text + '\n' : line.text));
    const text = lines.join('');
    expect(text).toHaveLength(1_115_394);
    const tok = CharTokenizer.fromTexts(lines);
    expect(tok.vocabSize).toBe(SPECIAL_COUNT + 65);
    const ids = tok.encode(text);
    expect(ids).toHaveLength(text.length);
    expect(tok.decode(ids)).toBe(text);
    const copy = tokenizerFromJson(JSON.parse(JSON.stringify(tok)));
    // Compared as bytes: a deep equality over a million elements is needlessly slow.
    expect(Buffer.from(copy.encode(text).buffer).equals(Buffer.from(ids.buffer))).toBe(true);
  });
});
