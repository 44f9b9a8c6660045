import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { curveKeyPair } from 'zeromq';
import { ControlKeyError, trustControlKey } from './control-key-pin.js';
import { runAgent } from './run-agent.js';

const dirs: string[] = [];
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function pinFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orquesta-pin-'));
  dirs.push(dir);
  return join(dir, 'coordinator-keys.json');
}

const ORIGIN = 'http://10.0.0.1:7070';

describe('trusting the coordinator control key', () => {
  it('pins the key on first use, accepts it again, and refuses a changed one naming the pin', () => {
    const file = pinFile();
    const [first, other] = [curveKeyPair().publicKey, curveKeyPair().publicKey];
    expect(trustControlKey(first, ORIGIN, { file }, new Date('2026-12-04T10:00:00Z'))).toEqual({ key: first, firstUse: true });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ [ORIGIN]: { key: first, since: '2026-12-04T10:00:00.000Z' } });
    expect(trustControlKey(first, ORIGIN, { file })).toEqual({ key: first, firstUse: false });
    expect(() => trustControlKey(other, ORIGIN, { file })).toThrow(
      new RegExp(`offers control key .{40}, but .{40} was pinned for it on 2026-12-04T10:00:00.000Z \\(${file}\\); refusing`),
    );
    // Another coordinator (origin) gets its own pin.
    expect(trustControlKey(other, 'http://10.0.0.2:7070', { file }).firstUse).toBe(true);
  });

  it('accepts only the key given with --control-key, and pins nothing then', () => {
    const file = pinFile();
    const [mine, theirs] = [curveKeyPair().publicKey, curveKeyPair().publicKey];
    expect(trustControlKey(mine, ORIGIN, { file, expected: mine })).toEqual({ key: mine, firstUse: false });
    expect(() => trustControlKey(theirs, ORIGIN, { file, expected: mine })).toThrow(/not .{40} \(--control-key\); refusing to connect/);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it.each([
    ['no key', undefined, 'missing', /offers no control key .* never connects without CURVE/],
    ['an empty key', '', 'missing', /offers no control key/],
    ['a malformed key', 'not-a-key', 'malformed', /not 40 Z85 characters: "not-a-key"/],
    ['a number', 42, 'malformed', /not 40 Z85 characters: 42/],
  ])('refuses %s', (_what, served, problem, message) => {
    const error = (() => {
      try {
        trustControlKey(served, ORIGIN, { file: pinFile() });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ControlKeyError);
    expect((error as ControlKeyError).problem).toBe(problem);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a pin file it cannot read', () => {
    const file = pinFile();
    writeFileSync(file, '{ not json');
    expect(() => trustControlKey(curveKeyPair().publicKey, ORIGIN, { file })).toThrow(/cannot read the pinned control keys .*JSON/);
  });
});

describe('an agent facing a coordinator it cannot trust', () => {
  /** A fake coordinator: its API answers `cluster`; its control port counts the connections it gets. */
  async function fakeCoordinator(cluster: (controlPort: number) => object) {
    let connections = 0;
    const control = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
    const controlPort = (control.address() as AddressInfo).port;
    const api = createHttpServer((request, response) => {
      if (request.url === '/api/cluster') response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(cluster(controlPort)));
      else response.writeHead(404).end();
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    closers.push(
      () => control.close(),
      () => api.close(),
    );
    return { url: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, connections: () => connections };
  }

  const start = (url: string, file: string) =>
    runAgent({
      coordinator: url,
      fetch,
      id: 'node-x',
      slots: 1,
      advertiseHost: '127.0.0.1',
      ports: [29500, 29500],
      workdir: '/tmp',
      stateDir: '/tmp',
      workerMain: '/nonexistent.js',
      log: () => {},
      token: 'secret-token-that-must-not-leave',
      keys: curveKeyPair(),
      env: {},
      controlKeyPin: { file },
    });

  it.each([
    ['answers without a control key (a downgrade)', () => ({})],
    ['answers with another key than the pinned one', () => ({ controlPublicKey: curveKeyPair().publicKey })],
  ])('refuses to start when the coordinator %s, and never connects to its control port', async (_what, key) => {
    const file = pinFile();
    const pinned = curveKeyPair().publicKey;
    writeFileSync(file, JSON.stringify({}));
    const fake = await fakeCoordinator((controlPort) => ({ controlPort, ...key() }));
    writeFileSync(file, JSON.stringify({ [new URL(fake.url).origin]: { key: pinned, since: '2026-12-01T00:00:00.000Z' } }));
    await expect(start(fake.url, file)).rejects.toThrow(ControlKeyError);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.connections()).toBe(0); // the token never left: no connection was even opened
  });
});
