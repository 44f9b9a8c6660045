import { describe, expect, it } from 'vitest';
import { computeBleu } from './bleu-score.js';
import { corpusBleu } from './corpus-bleu.js';
import { formatBleu } from './format-bleu.js';

describe('formatBleu', () => {
  it("rounds like sacreBLEU's Python formatting (ties to even) for precisions, BP and ratio", () => {
    // Precisions 12.25/12.5/12.5/6.25 and ratio 0.0625 are exact binary ties.
    const result = computeBleu({ counts: [49, 20, 10, 1], totals: [400, 160, 80, 16], sysLen: 25, refLen: 400 });
    expect(formatBleu(result)).toBe('BLEU = 0.00 12.2/12.5/12.5/6.2 (BP = 0.000 ratio = 0.062 hyp_len = 25 ref_len = 400)');
  });

  it('prints the signature after the name on request', () => {
    const result = corpusBleu(['the cat sat on the mat'], [['the cat sat on the mat']]);
    expect(formatBleu(result, { withSignature: true })).toBe(
      'BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:orquesta = 100.00 100.0/100.0/100.0/100.0 ' +
        '(BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)',
    );
  });

  it('prints ratio 0 when the reference length is 0', () => {
    const result = computeBleu({ counts: [0, 0, 0, 0], totals: [0, 0, 0, 0], sysLen: 0, refLen: 0 });
    expect(formatBleu(result)).toBe('BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 1.000 ratio = 0.000 hyp_len = 0 ref_len = 0)');
  });
});
