import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateToken, TokenFileError, tokenMatches } from './api-token.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('API token', () => {
  it('is created once with mode 0600 and then reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-token-'));
    dirs.push(dir);
    const file = join(dir, 'sub', 'token');
    const first = loadOrCreateToken(file);
    expect(first.created).toBe(true);
    expect(first.value).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateToken(file)).toEqual({ value: first.value, created: false });
  });

  it('refuses a file that holds no token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-token-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'token'), 'hello');
    expect(() => loadOrCreateToken(join(dir, 'token'))).toThrow(TokenFileError);
  });

  it('matches only the exact token', () => {
    expect(tokenMatches('ab'.repeat(32), 'ab'.repeat(32))).toBe(true);
    expect(tokenMatches('ab'.repeat(31), 'ab'.repeat(32))).toBe(false);
    expect(tokenMatches(undefined, 'ab')).toBe(false);
  });
});
