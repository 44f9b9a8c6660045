import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, type CliIO } from '../io.js';
import { serveCommand } from './serve.js';

const dir = mkdtempSync(join(tmpdir(), 'orquesta-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('orquesta serve', () => {
  it('refuses an unreadable --agent-keys file before creating a token, keys or a database', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (line: string) => err.push(line) } as unknown as CliIO;
    const state = join(dir, 'state');
    const code = await serveCommand(
      { host: '127.0.0.1', port: '0', db: join(state, 'c.db'), allowPath: [], agentKeys: join(dir, 'missing.keys') },
      io,
      Promise.resolve(),
    );
    expect(code).toBe(EXIT.usage);
    expect(err.join('\n')).toMatch(/cannot read the agent key file .*missing\.keys/);
    expect(existsSync(state)).toBe(false);
  });
});
