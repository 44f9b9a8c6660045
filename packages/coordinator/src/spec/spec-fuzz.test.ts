/**
 * 10,000 mutated specs through the loader `orquesta validate` uses: every answer is a valid spec or
 * problems that each name a position and a field, and nothing throws.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSpecText } from './load-spec.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const seeds = ['quickstart', 'spa-eng-base', 'shakespeare-lm', 'bench'].map((n) => readFileSync(`${ROOT}configs/${n}.yaml`, 'utf8'));
const FRAGMENTS = ['-1', '0', '1e309', 'null', '[]', '{}', '"x"', 'true', '{ a: 1 }', ': :', '- - -', '&a *a', '!!binary AAAA', '\t', '"\\u0000"', '99999999999999999999', 'workers: 0', 'heads: 3', 'dropout: 1', 'kind: nope'];

describe('spec fuzz', () => {
  it('answers 10,000 mutated specs with a spec or positioned problems, never a crash', () => {
    let seed = 2026;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    let invalid = 0;
    for (let i = 0; i < 10_000; i++) {
      const lines = pick(seeds).split('\n');
      for (let m = 1 + Math.floor(rnd() * 3); m > 0; m--) {
        const at = Math.floor(rnd() * lines.length);
        const line = lines[at] ?? '';
        const kind = rnd();
        if (kind < 0.25) lines.splice(at, 1);
        else if (kind < 0.5) lines[at] = line.replace(/:\s*[^,}\n]+/, `: ${pick(FRAGMENTS)}`);
        else if (kind < 0.65) lines[at] = line.replace(/[a-z_]+:/, (k) => `${k.slice(0, -2)}${String.fromCharCode(97 + Math.floor(rnd() * 26))}:`);
        else if (kind < 0.8) lines.splice(at, 0, `${' '.repeat(Math.floor(rnd() * 4))}${pick(FRAGMENTS)}`);
        else {
          const chars = [...line];
          if (chars.length > 0) chars[Math.floor(rnd() * chars.length)] = String.fromCharCode(Math.floor(rnd() * 128));
          lines[at] = chars.join('');
        }
      }
      const result = parseSpecText(lines.join('\n'), 'fuzz.yaml', { probe: () => 'file' });
      if (result.ok) continue;
      invalid++;
      expect(result.problems.length).toBeGreaterThan(0);
      for (const p of result.problems) {
        expect(p.file).toBe('fuzz.yaml');
        expect(p.line).toBeGreaterThanOrEqual(1);
        expect(p.col).toBeGreaterThanOrEqual(1);
        expect(p.path.length).toBeGreaterThan(0);
        expect(p.message.length).toBeGreaterThan(0);
      }
    }
    expect(invalid).toBeGreaterThan(5000);
  }, 120_000);
});
