/**
 * 10,000 mutated specs through `orquesta validate` itself: written as files and validated by the
 * built CLI, 1,000 per process. Every file gets either its `OK` line or problem lines that each name
 * FILE:LINE:COL and a field; every process exits 0 or 2 with nothing on stderr (no crash, no stack),
 * within the spawn timeout (no hang).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { orquesta, ROOT } from './run-cli.js';

const SPECS = 10_000;
const PER_PROCESS = 1_000;
const seeds = ['quickstart', 'spa-eng-base', 'shakespeare-lm', 'bench'].map((n) => readFileSync(join(ROOT, 'configs', `${n}.yaml`), 'utf8'));
const FRAGMENTS = [
  '-1',
  '0',
  '1e309',
  'null',
  '[]',
  '{}',
  '"x"',
  'true',
  '{ a: 1 }',
  ': :',
  '- - -',
  '&a *a',
  '!!binary AAAA',
  '\t',
  '"\\u0000"',
  '99999999999999999999',
  'workers: 0',
  'heads: 3',
  'dropout: 1',
  'kind: nope',
];
const dir = mkdtempSync(join(tmpdir(), 'orquesta-validate-fuzz-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A seed spec with 1-3 random line edits: deleted, value replaced, key misspelt, line inserted, byte changed. */
function mutate(rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
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
  return lines.join('\n');
}

describe('orquesta validate under fuzzing', () => {
  it(`answers ${SPECS.toLocaleString('en')} mutated spec files with OK or positioned problems, never a crash`, () => {
    let seed = 2026;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const files = Array.from({ length: SPECS }, (_, i) => {
      const file = join(dir, `spec-${String(i).padStart(5, '0')}.yaml`);
      writeFileSync(file, mutate(rnd));
      return file;
    });
    let invalid = 0;
    for (let start = 0; start < SPECS; start += PER_PROCESS) {
      const batch = files.slice(start, start + PER_PROCESS);
      const run = orquesta(['validate', ...batch]);
      expect(run.stderr).toBe('');
      expect([0, 2]).toContain(run.status);
      const answered = new Map<string, 'ok' | 'problems'>();
      for (const line of run.stdout.trimEnd().split('\n')) {
        const ok = /^(\S+\.yaml) {2}OK {2}\S/.exec(line);
        const problem = /^(\S+\.yaml):(\d+):(\d+) {2}(.+?) {2}(.+)$/.exec(line);
        expect(ok ?? problem, line).not.toBeNull();
        if (ok) answered.set(ok[1]!, 'ok');
        else {
          expect(Number(problem![2])).toBeGreaterThanOrEqual(1);
          expect(Number(problem![3])).toBeGreaterThanOrEqual(1);
          answered.set(problem![1]!, 'problems');
        }
      }
      expect([...answered.keys()].sort()).toEqual(batch);
      const bad = [...answered.values()].filter((a) => a === 'problems').length;
      expect(run.status).toBe(bad > 0 ? 2 : 0);
      invalid += bad;
    }
    expect(invalid).toBeGreaterThan(SPECS / 2);
  }, 300_000);
});
