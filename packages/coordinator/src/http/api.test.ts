import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { buildApi } from './api.js';
import { localBackend } from './api-backend.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SPEC = [
  'name: api',
  'task: translation',
  'data: { train: data/spa-eng/valid.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en }',
  'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1 }',
  'optimizer: { warmup_steps: 5 }',
  'training: { max_steps: 10 }',
  'checkpoint: { dir: runs/api }',
].join('\n');

let cluster: InMemoryCluster;
const api = () => {
  cluster = new InMemoryCluster(':memory:', { baseDir: ROOT });
  return buildApi({ coordinator: localBackend(cluster.coordinator), store: cluster.store, controlPort: 7071 });
};
afterEach(() => cluster?.store.close());

describe('HTTP API', () => {
  it('submits, lists, shows and pauses an experiment', async () => {
    const app = api();
    const created = await app.inject({ method: 'POST', url: '/api/experiments', payload: { spec: SPEC, source: 'api.yaml' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ id: 1, trials: 1 });
    const list = await app.inject({ method: 'GET', url: '/api/experiments' });
    expect(list.json()).toMatchObject([{ id: 1, name: 'api', state: 'queued', trials: 1 }]);
    const status = await app.inject({ method: 'GET', url: '/api/experiments/1' });
    expect(status.json()).toMatchObject({ id: 1, trials: [{ idx: 0, state: 'queued', checkpointDir: 'runs/api/exp-1' }] });
    const paused = await app.inject({ method: 'POST', url: '/api/experiments/1/pause' });
    expect(paused.json()).toMatchObject({ state: 'paused' });
    const events = await app.inject({ method: 'GET', url: '/api/experiments/1/events' });
    expect(events.json().map((e: { kind: string }) => e.kind)).toEqual(['submit', 'transition']);
    expect((await app.inject({ method: 'GET', url: '/api/cluster' })).json()).toEqual({ controlPort: 7071 });
  });

  it.each([
    ['malformed JSON', { method: 'POST', url: '/api/experiments', headers: { 'content-type': 'application/json' }, payload: '{"spec": ' }, 400, 'bad_request'],
    ['a missing spec', { method: 'POST', url: '/api/experiments', payload: { priority: 3 } }, 400, 'bad_request'],
    ['an unknown field', { method: 'POST', url: '/api/experiments', payload: { spec: SPEC, shell: 'rm -rf /' } }, 400, 'bad_request'],
    ['an oversized body', { method: 'POST', url: '/api/experiments', payload: { spec: 'x'.repeat(3 * 1024 * 1024) } }, 413, 'payload_too_large'],
    ['an unknown experiment', { method: 'GET', url: '/api/experiments/42' }, 404, 'not_found'],
    ['a non-numeric id', { method: 'POST', url: '/api/experiments/abc/cancel' }, 400, 'bad_request'],
    ['an unknown route', { method: 'GET', url: '/api/nothing' }, 404, 'not_found'],
  ] as const)('answers %s with a JSON error and changes nothing', async (_what, request, status, code) => {
    const app = api();
    const response = await app.inject(request as never);
    expect(response.statusCode).toBe(status);
    expect(response.json().error).toMatchObject({ code });
    expect(typeof response.json().error.message).toBe('string');
    expect(cluster.store.experimentCounts()).toEqual({});
  });

  it('pages and filters the list (x-total-count), shows a waiting trial its queue position, and serves the control-plane figures', async () => {
    const app = api();
    for (let i = 0; i < 3; i++)
      expect(
        (await app.inject({ method: 'POST', url: '/api/experiments', payload: { spec: SPEC.replace('name: api', `name: e${i}`), priority: 10 * i } }))
          .statusCode,
      ).toBe(201);
    await app.inject({ method: 'POST', url: '/api/experiments/1/pause' });
    const page = await app.inject({ method: 'GET', url: '/api/experiments?state=queued&limit=1&offset=1' });
    expect([page.headers['x-total-count'], page.json().map((e: { name: string }) => e.name)]).toEqual(['2', ['e2']]);
    expect((await app.inject({ method: 'GET', url: '/api/experiments?state=sleeping' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/experiments?limit=0' })).statusCode).toBe(400);
    // No agents: both wait; the higher priority goes first.
    const position = async (id: number) => (await app.inject({ method: 'GET', url: `/api/experiments/${id}` })).json().trials[0].queuePosition;
    expect([await position(1), await position(2), await position(3)]).toEqual([null, 2, 1]);
    const stats = (await app.inject({ method: 'GET', url: '/api/stats' })).json();
    expect(stats).toMatchObject({ scheduling: { total: expect.any(Number) }, heartbeatLag: { count: 0 } });
  });

  it('returns spec problems with line, column and field', async () => {
    const app = api();
    const response = await app.inject({
      method: 'POST',
      url: '/api/experiments',
      payload: { spec: SPEC.replace('max_steps: 10', 'max_steps: -1'), source: 'bad.yaml' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_spec');
    expect(response.json().error.problems).toEqual([expect.stringMatching(/^bad\.yaml:6:\d+\s+training\.max_steps\s+/)]);
  });

  it('checks the bearer token on mutating calls, and on reads when asked', async () => {
    cluster = new InMemoryCluster(':memory:', { baseDir: ROOT });
    const token = 'ab'.repeat(32);
    const app = buildApi({ coordinator: localBackend(cluster.coordinator), store: cluster.store, controlPort: 7071, token });
    expect((await app.inject({ method: 'POST', url: '/api/experiments', payload: { spec: SPEC } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/experiments', payload: { spec: SPEC }, headers: { authorization: 'Bearer nope' } })).statusCode).toBe(
      403,
    );
    expect(
      (await app.inject({ method: 'POST', url: '/api/experiments', payload: { spec: SPEC }, headers: { authorization: `Bearer ${'cd'.repeat(32)}` } })).json()
        .error.code,
    ).toBe('forbidden');
    expect(cluster.store.experimentCounts()).toEqual({});
    expect(
      (await app.inject({ method: 'POST', url: '/api/experiments', payload: { spec: SPEC }, headers: { authorization: `Bearer ${token}` } })).statusCode,
    ).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/api/experiments' })).statusCode).toBe(200);
    const closed = buildApi({ coordinator: localBackend(cluster.coordinator), store: cluster.store, controlPort: 7071, token, readAuth: true });
    expect((await closed.inject({ method: 'GET', url: '/api/experiments' })).statusCode).toBe(401);
    expect((await closed.inject({ method: 'GET', url: `/api/experiments?token=${token}` })).statusCode).toBe(200);
  });

  it('answers an action that does not apply with 409', async () => {
    const app = api();
    await app.inject({ method: 'POST', url: '/api/experiments', payload: { spec: SPEC } });
    const response = await app.inject({ method: 'POST', url: '/api/experiments/1/resume' });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.message).toMatch(/only paused experiments resume/);
  });
});
