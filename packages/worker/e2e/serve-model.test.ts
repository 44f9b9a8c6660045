/**
 * `orquesta serve-model` on a checkpoint that `orquesta train` just wrote: translations for
 * concurrent clients are batched, POSTs without the token are refused, a too long text or a bad
 * option gets a 4xx with a code, and 1,000 fuzzed requests get 4xx answers and nothing else. Started
 * with an IPC channel (as the coordinator starts it), it exits when that channel closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTrain, tempDir, tinySpec } from './train-cli.js';

let server: ChildProcess;
let url: string;
let token: string;
const post = (path: string, body: unknown, auth = `Bearer ${token}`) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeAll(async () => {
  const dir = tempDir();
  const trained = await startTrain([tinySpec(dir), '--set', 'resources.workers=1', '--set', 'training.max_steps=10']).done;
  expect(trained.code, trained.stderr).toBe(0);
  const tokenFile = join(dir, 'token');
  server = spawn(
    process.execPath,
    [join(ROOT, 'apps/cli/bin/orquesta.js'), 'serve-model', '--checkpoint', join(dir, 'run'), '--port', '0', '--token-file', tokenFile],
    // As the coordinator starts it: with an IPC channel, whose end stops the server.
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
  url = await new Promise<string>((resolve, reject) => {
    let err = '';
    server.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = / at (http:\/\/[^:]+:\d+):/.exec(err);
      if (m) resolve(m[1]!);
    });
    server.on('exit', (code) => reject(new Error(`serve-model exited ${code}: ${err}`)));
  });
  token = readFileSync(tokenFile, 'utf8').trim();
}, 180_000);
afterAll(() => void server?.kill('SIGTERM'));

describe('orquesta serve-model', () => {
  it('batches the translations of 32 concurrent clients, and answers each its own', async () => {
    const texts = Array.from({ length: 32 }, (_, i) => ['Hola.', 'Gracias.', 'Buenos días.', 'Te quiero.'][i % 4]!);
    const answers = await Promise.all(texts.map(async (text) => ({ text, r: await post('/api/translate', { text }) })));
    const byText = new Map<string, string>();
    for (const { text, r } of answers) {
      expect(r.status).toBe(200);
      const { translation } = (await r.json()) as { translation: string };
      expect(typeof translation).toBe('string');
      // The same sentence gets the same greedy translation whatever batch it was in.
      if (byText.has(text)) expect(translation).toBe(byText.get(text));
      byText.set(text, translation);
    }
    const model = (await (await fetch(`${url}/api/model`)).json()) as { kind: string; served: { batches: number; requests: number } };
    expect(model.kind).toBe('translation');
    expect(model.served.requests).toBe(32);
    expect(model.served.batches).toBeLessThan(8);
  });

  it('samples a translation when asked, the same one for the same seed', async () => {
    const sampled = async (seed: number) => {
      const r = await post('/api/translate', { text: 'Buenos días.', sample: true, temperature: 1.5, top_k: 50, seed });
      expect(r.status).toBe(200);
      return ((await r.json()) as { translation: string }).translation;
    };
    const first = await sampled(3);
    expect(await sampled(3)).toBe(first);
    // Across seeds the draws differ somewhere (a temperature of 1.5 over the top 50 tokens).
    const others = await Promise.all([4, 5, 6, 7, 8].map(sampled));
    expect(others.some((t) => t !== first)).toBe(true);
    expect((await post('/api/translate', { text: 'Hola.', sample: true, temperature: 0 })).status).toBe(400);
  });

  it('answers the attention explorer: the translation with every layer and head of its attention', async () => {
    const r = await post('/api/attention', { text: 'Hola.' });
    expect(r.status, await r.clone().text()).toBe(200);
    const a = (await r.json()) as { translation: string; source_tokens: string[]; target_tokens: string[]; cross: number[][][][] };
    expect(a.source_tokens.at(-1)).toBe('</s>');
    expect([a.cross.length, a.cross[0]!.length, a.cross[0]![0]!.length, a.cross[0]![0]![0]!.length]).toEqual([
      1,
      2,
      a.target_tokens.length,
      a.source_tokens.length,
    ]);
    expect((await post('/api/attention', { text: 'hola '.repeat(40) })).status).toBe(400);
  });

  it('refuses a POST without the token or with a wrong one, a too long text, a bad option and the wrong kind', async () => {
    expect((await post('/api/translate', { text: 'Hola.' }, '')).status).toBe(401);
    expect((await post('/api/translate', { text: 'Hola.' }, 'Bearer 00')).status).toBe(403);
    const long = await post('/api/translate', { text: 'hola '.repeat(40) });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'input_too_long',
      message: expect.stringMatching(/reads at most 15/),
    });
    expect((await post('/api/translate', { text: 'Hola.', beam: 99 })).status).toBe(400);
    expect(((await (await post('/api/generate', { prompt: 'Hola.' })).json()) as { error: { code: string } }).error.code).toBe('wrong_model');
  });

  it('answers 1,000 fuzzed requests with 4xx and a JSON error, and keeps serving', async () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const junk = (): unknown => {
      const pick = Math.floor(rnd() * 9);
      if (pick === 0) return '{"text":';
      if (pick === 1) return { text: '' };
      if (pick === 2) return { text: 42 };
      if (pick === 3) return { text: 'Hola.', beam: rnd() < 0.5 ? 0 : 'four' };
      if (pick === 4) return { text: 'Hola.', extra: true };
      if (pick === 5) return { text: 'x'.repeat(20_001) };
      if (pick === 6) return [];
      if (pick === 7) return { prompt: 'Hola.', max_tokens: -1 };
      return { text: ' \t\n'.repeat(1 + Math.floor(rnd() * 3)) };
    };
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, async (_, j) => {
          const path = ['/api/translate', '/api/generate', '/api/nothing', '/api/model'][(i + j) % 4]!;
          const r = await post(path, junk(), (i + j) % 7 === 0 ? '' : `Bearer ${token}`);
          const body = (await r.json()) as { error?: { code: string } };
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          expect(r.status, `${path}: ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
          expect(typeof body.error?.code).toBe('string');
        }),
      );
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(1000);
    expect((await post('/api/translate', { text: 'Hola.' })).status).toBe(200);
  });

  it('exits when the process that started it with an IPC channel is gone (it closes the channel)', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.disconnect();
    expect(await exited).toBe(0);
  }, 30_000);
});
