/**
 * 1,000 random requests against the API (methods, paths, ids, query strings, bodies, content types,
 * tokens): no 5xx, every error a JSON `{error: {code, message}}`, and no experiment created by a
 * request that did not carry the token.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { buildApi } from './api.js';
import { localBackend } from './api-backend.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TOKEN = 'ef'.repeat(32);

describe('API fuzz', () => {
  it('answers 1,000 random requests with a status below 500 and JSON errors', async () => {
    const cluster = new InMemoryCluster(':memory:', { baseDir: ROOT });
    const app = buildApi({ coordinator: localBackend(cluster.coordinator), store: cluster.store, controlPort: 7071, token: TOKEN, pollMs: 5 });
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const ids = ['1', '0', '-1', '99', 'abc', '1e3', '%00', '1/2', ''];
    const paths = [
      () => '/api/experiments',
      () => `/api/experiments/${pick(ids)}`,
      () => `/api/experiments/${pick(ids)}/${pick(['cancel', 'pause', 'resume', 'delete', ''])}`,
      () => `/api/experiments/${pick(ids)}/logs?after=${pick(ids)}`,
      () => `/api/experiments/${pick(ids)}/events?after=${pick(ids)}`,
      () => '/api/plan',
      () => '/api/agents',
      () => `/${pick(['', 'x', '..', '%2e%2e/etc/passwd', 'api', 'api/experiments/1/../../agents'])}`,
    ];
    const bodies = [
      undefined,
      '',
      '{',
      'null',
      '[]',
      '{"spec": 5}',
      '{"spec": ""}',
      '{"spec": "name: x"}',
      '{"spec": "name: *a"}',
      `{"spec": ${JSON.stringify('x'.repeat(5000))}}`,
      '{"spec": "a", "priority": 101}',
      '{"workers": -1, "spec": "name: y"}',
      '\u0000\u0001',
    ];
    for (let i = 0; i < 1000; i++) {
      const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']);
      const url = pick(paths)();
      const headers: Record<string, string> = {};
      if (rnd() < 0.7)
        headers['content-type'] = pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']);
      const auth = rnd();
      if (auth < 0.4) headers['authorization'] = `Bearer ${TOKEN}`;
      else if (auth < 0.6) headers['authorization'] = pick(['Bearer', 'Bearer x', 'Basic abc', `Bearer ${TOKEN}x`]);
      const payload = method === 'GET' || method === 'HEAD' ? undefined : pick(bodies);
      const response = await app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
      expect(response.statusCode, `${method} ${url} ${payload ?? ''}`).toBeLessThan(500);
      if (response.statusCode >= 400 && method !== 'HEAD') {
        const body = response.json() as { error?: { code?: unknown; message?: unknown } };
        expect(typeof body.error?.code, `${method} ${url}`).toBe('string');
        expect(typeof body.error?.message).toBe('string');
      }
      if (headers['authorization'] !== `Bearer ${TOKEN}` && method === 'POST' && url === '/api/experiments')
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
    }
    cluster.store.close();
  }, 120_000);
});
