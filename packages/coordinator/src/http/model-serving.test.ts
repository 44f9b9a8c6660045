import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { spec } from '../testing/spec-text.js';
import { localBackend } from './api-backend.js';
import { buildApi } from './api.js';
import { ModelServers, type ModelServerLauncher } from './model-servers.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TOKEN = 'c'.repeat(64);
const auth = { authorization: `Bearer ${TOKEN}` };
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup) f();
  cleanup = [];
});

/** A stand-in for `orquesta serve-model`: answers /api/translate with what it was asked, checking its own token. */
function fakeLauncher(started: string[], stopped: string[], fail = false): ModelServerLauncher {
  return {
    start: async (checkpoint) => {
      if (fail) throw new Error(`the model server for ${checkpoint} ended (exit 2): ${checkpoint} has no tokenizer.json`);
      started.push(checkpoint);
      const server: Server = createServer((request, response) => {
        let body = '';
        request.on('data', (c: Buffer) => (body += c.toString()));
        request.on('end', () => {
          if (request.headers.authorization !== 'Bearer model-token') return void response.writeHead(401).end('{}');
          const { text } = JSON.parse(body) as { text: string };
          response.writeHead(text === 'too long' ? 400 : 200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(text === 'too long' ? { error: { code: 'input_too_long', message: 'no' } } : { translation: `${checkpoint}: ${text}` }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      cleanup.push(() => server.close());
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'model-token', stop: () => stopped.push(checkpoint) };
    },
  };
}

function served(launcher: ModelServerLauncher, now = () => Date.now()) {
  const cluster = new InMemoryCluster(':memory:', { baseDir: ROOT });
  const servers = new ModelServers(launcher, 60_000, now);
  cleanup.push(
    () => servers.close(),
    () => cluster.store.close(),
  );
  const app = buildApi({
    coordinator: localBackend(cluster.coordinator),
    store: cluster.store,
    controlPort: 7071,
    token: TOKEN,
    serving: { servers, baseDir: '/base' },
  });
  return { cluster, servers, app };
}

describe('serving an experiment through the coordinator', () => {
  it("sends a translation to the best trial's newest checkpoint, or the trial and step asked for, one server per checkpoint", async () => {
    const [started, stopped] = [[] as string[], [] as string[]];
    const { cluster, app } = served(fakeLauncher(started, stopped));
    const submitted = cluster.coordinator.submit(
      spec({ name: 'grid', search: 'search: { kind: grid, parameters: { optimizer.lr: [1.0e-3, 2.0e-3] } }' }),
      'g.yaml',
    );
    if (!submitted.ok) throw new Error(JSON.stringify(submitted.problems));
    const translate = (body: object) => app.inject({ method: 'POST', url: '/api/experiments/1/translate', headers: auth, payload: body });
    const none = await translate({ text: 'Hola.' });
    expect([none.statusCode, none.json().error.code]).toEqual([409, 'no_checkpoint']);
    const [t0, t1] = submitted.trials as [number, number];
    cluster.store.recordCheckpoint(t0, 100, 'runs/test/exp-1/trial-0/step-00000100');
    cluster.store.recordCheckpoint(t1, 100, 'runs/test/exp-1/trial-1/step-00000100');
    cluster.store.recordProgress(t0, 'evaluation', 100, { loss: 3, perplexity: 20 });
    cluster.store.recordProgress(t1, 'evaluation', 100, { loss: 2, perplexity: 7.4 });
    const best = await translate({ text: 'Hola.' });
    expect([best.statusCode, best.json()]).toEqual([200, { translation: '/base/runs/test/exp-1/trial-1/step-00000100: Hola.' }]);
    expect((await translate({ text: 'Adiós.', trial: 0 })).json().translation).toBe('/base/runs/test/exp-1/trial-0/step-00000100: Adiós.');
    // The model server's own 4xx comes back as it is.
    const long = await translate({ text: 'too long' });
    expect([long.statusCode, long.json().error.code]).toEqual([400, 'input_too_long']);
    expect(started).toEqual(['/base/runs/test/exp-1/trial-1/step-00000100', '/base/runs/test/exp-1/trial-0/step-00000100']);
    expect((await translate({ text: 'x', trial: 5 })).json().error).toMatchObject({ code: 'no_checkpoint', message: 'experiment 1 has no trial 5' });
    expect((await translate({ text: 'x', step: 7 })).statusCode).toBe(409);
    expect((await app.inject({ method: 'POST', url: '/api/experiments/9/translate', headers: auth, payload: { text: 'x' } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/api/experiments/1/translate', payload: { text: 'x' } })).statusCode).toBe(401);
    expect(stopped).toEqual([]);
  });

  it('answers 503 when the model server cannot start, and stops idle servers', async () => {
    const { cluster, app } = served(fakeLauncher([], [], true));
    const submitted = cluster.coordinator.submit(spec(), 'e.yaml');
    if (!submitted.ok) throw new Error('refused');
    cluster.store.recordCheckpoint(submitted.trials[0]!, 10, 'runs/test/exp-1/step-00000010');
    const r = await app.inject({ method: 'POST', url: '/api/experiments/1/translate', headers: auth, payload: { text: 'Hola.' } });
    expect([r.statusCode, r.json().error.code]).toEqual([503, 'unavailable']);
    expect(r.json().error.message).toMatch(/has no tokenizer\.json/);

    let clock = 0;
    const stopped: string[] = [];
    const servers = new ModelServers(fakeLauncher([], stopped), 60_000, () => clock);
    cleanup.push(() => servers.close());
    await servers.forCheckpoint('/a');
    clock = 30_000;
    await servers.forCheckpoint('/b');
    clock = 70_000;
    servers.sweep();
    await new Promise((resolve) => setImmediate(resolve));
    expect([stopped, servers.running]).toEqual([['/a'], 1]);
  });
});
