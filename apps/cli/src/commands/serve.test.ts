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

  it.each([
    [{ host: '0.0.0.0', insecureHttp: true }, /--insecure-http is for development on this machine only .*--host must be a loopback address, got 0\.0\.0\.0/],
    [{ host: '127.0.0.1', tlsCert: 'a.crt' }, /--tls-cert and --tls-key go together/],
    [{ host: '127.0.0.1', insecureHttp: true, tlsCert: 'a.crt', tlsKey: 'a.key' }, /--insecure-http serves plain HTTP: it takes no --tls-cert/],
  ])('refuses TLS flags that cannot hold (%j) before creating anything', async (flags, message) => {
    const err: string[] = [];
    const io = { out: () => {}, err: (line: string) => err.push(line) } as unknown as CliIO;
    const state = join(dir, 'tls-state');
    const code = await serveCommand({ port: '0', db: join(state, 'c.db'), allowPath: [], ...flags }, io, Promise.resolve());
    expect(code).toBe(EXIT.usage);
    expect(err.join('\n')).toMatch(message);
    expect(existsSync(state)).toBe(false);
  });

  it('serves HTTPS with a self-signed certificate made beside the database, or plain HTTP on loopback with --insecure-http', async () => {
    const lines: string[] = [];
    const io = { out: () => {}, err: (line: string) => lines.push(line) } as unknown as CliIO;
    const state = join(dir, 'served');
    expect(await serveCommand({ host: '127.0.0.1', port: '0', controlPort: '0', db: join(state, 'c.db'), allowPath: [] }, io, Promise.resolve())).toBe(EXIT.ok);
    expect(lines.join('\n')).toMatch(/dashboard and API https:\/\/127\.0\.0\.1:\d+/);
    expect(lines.join('\n')).toMatch(new RegExp(`TLS certificate SHA-256 [0-9A-F:]{95} \\(self-signed, made now in ${join(state, 'tls.crt')}\\)`));
    expect(existsSync(join(state, 'tls.key'))).toBe(true);
    lines.length = 0;
    const plain = join(dir, 'plain');
    expect(
      await serveCommand({ host: '127.0.0.1', port: '0', controlPort: '0', db: join(plain, 'c.db'), allowPath: [], insecureHttp: true }, io, Promise.resolve()),
    ).toBe(EXIT.ok);
    expect(lines.join('\n')).toMatch(/dashboard and API http:\/\/127\.0\.0\.1:\d+/);
    expect(lines.join('\n')).toContain('--insecure-http: plain HTTP, tokens in clear text; for development on this machine only');
    expect(existsSync(join(plain, 'tls.crt'))).toBe(false);
  }, 30_000);
});
