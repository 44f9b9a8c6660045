import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { spec } from '../testing/spec-text.js';
import { startApiThread, type ApiThread } from './api-thread-host.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SPEC = spec({ name: 'threaded' });

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A coordinator on a SQLite file and its API in a thread of its own. */
async function threaded(): Promise<{ cluster: InMemoryCluster; api: ApiThread; calls: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'orquesta-api-thread-'));
  const cluster = new InMemoryCluster(join(dir, 'c.db'), { baseDir: ROOT });
  const calls: string[] = [];
  const api = await startApiThread({
    coordinator: cluster.coordinator,
    store: cluster.store,
    log: (line) => calls.push(line),
    db: join(dir, 'c.db'),
    host: '127.0.0.1',
    port: 0,
    api: { controlPort: 7071, token: 'secret' },
    prometheusText: async () => {
      calls.push('metrics');
      return 'orquesta_cluster_queue_length 1\n';
    },
  });
  cleanup = async () => {
    await api.close();
    cluster.store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { cluster, api, calls };
}

describe('the API in its own thread', () => {
  it('checks specs there, queues through the coordinator, and reads back what the coordinator committed', async () => {
    const { cluster, api } = await threaded();
    const auth = { authorization: 'Bearer secret', 'content-type': 'application/json' };
    const submit = (text: string) =>
      fetch(`${api.url}/api/experiments`, { method: 'POST', headers: auth, body: JSON.stringify({ spec: text, source: 'x.yaml' }) });
    const created = await submit(SPEC);
    expect(created.status, await created.clone().text()).toBe(201);
    expect(await created.json()).toEqual({ id: 1, trials: 1 });
    expect(cluster.store.experiment(1).name).toBe('threaded'); // in the coordinator's store
    // Read in the API's thread at once: committed before the reply.
    const status = (await (await fetch(`${api.url}/api/experiments/1`)).json()) as { state: string; trials: { queuePosition: number }[] };
    expect(status).toMatchObject({ state: 'queued', trials: [{ queuePosition: 1 }] });
    expect(await (await submit(spec({ name: 'second' }))).json()).toEqual({ id: 2, trials: 1 });
    expect(((await (await fetch(`${api.url}/api/experiments/2`)).json()) as typeof status).trials[0]?.queuePosition).toBe(2);
    // A bad spec is refused by the thread with FILE:LINE:COL, and nothing is queued.
    const bad = await submit(SPEC.replace('max_steps: 100', 'max_steps: -1'));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/x\.yaml:7:\d+.*training\.max_steps/);
    expect(cluster.store.experimentCounts()).toEqual({ queued: 2 });
    // State changes go to the coordinator; its errors come back as the same HTTP errors.
    expect(await (await fetch(`${api.url}/api/experiments/1/pause`, { method: 'POST', headers: { authorization: 'Bearer secret' } })).json()).toMatchObject({
      state: 'paused',
    });
    const missing = await fetch(`${api.url}/api/experiments/99/cancel`, { method: 'POST', headers: { authorization: 'Bearer secret' } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'no experiment with id 99' } });
    const again = await fetch(`${api.url}/api/experiments/1/pause`, { method: 'POST', headers: { authorization: 'Bearer secret' } });
    expect(again.status).toBe(409);
    const list = await fetch(`${api.url}/api/experiments?state=paused`);
    expect(list.headers.get('x-total-count')).toBe('1');
    expect(((await list.json()) as { id: number }[]).map((e) => e.id)).toEqual([1]);
  });

  it('serves /metrics and /api/stats from the coordinator, and closes', async () => {
    const { api, calls } = await threaded();
    const metrics = await fetch(`${api.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toBe('orquesta_cluster_queue_length 1\n');
    expect(calls).toEqual(['metrics']);
    expect(await (await fetch(`${api.url}/api/stats`)).json()).toMatchObject({ scheduling: { count: 0 }, heartbeatLag: { count: 0 } });
    const url = api.url;
    await cleanup?.();
    cleanup = undefined;
    await expect(fetch(`${url}/api/experiments`)).rejects.toThrow();
  });
});
