import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { buildApi } from './api.js';
import { localBackend } from './api-backend.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const spec = (name: string) =>
  [
    `name: ${name}`,
    'task: translation',
    'data: { train: data/spa-eng/valid.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en }',
    'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1 }',
    'optimizer: { warmup_steps: 5 }',
    'training: { max_steps: 10 }',
    'resources: { workers: 1 }',
    `checkpoint: { dir: runs/${name} }`,
  ].join('\n');
const ADMIN = 'ad'.repeat(32);

let cluster: InMemoryCluster;
afterEach(() => cluster?.store.close());

describe('per-user quotas on the API', () => {
  it("an admin sets them; a submission above the user's max priority is refused; a trial past the slot quota waits, with the reason, while another user's runs", async () => {
    cluster = new InMemoryCluster(':memory:', { baseDir: ROOT });
    const app = buildApi({ coordinator: localBackend(cluster.coordinator), store: cluster.store, controlPort: 7071, token: ADMIN });
    const as = (token: string) => (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
      app.inject({ method, url, ...(payload ? { payload } : {}), headers: { authorization: `Bearer ${token}` } });
    const admin = as(ADMIN);
    const tokenOf = async (name: string) => ((await admin('POST', '/api/tokens', { name, role: 'submitter' })).json() as { token: string }).token;
    const [alice, bob] = [as(await tokenOf('alice')), as(await tokenOf('bob'))];
    cluster.addAgent('node-a', 2);
    await cluster.settle();

    expect((await alice('PUT', '/api/quotas/alice', { maxSlots: 1 })).statusCode).toBe(403);
    const set = await admin('PUT', '/api/quotas/alice', { maxSlots: 1, maxPriority: 40 });
    expect(set.json()).toEqual({ user: 'alice', maxSlots: 1, maxPriority: 40, slotsInUse: 0 });
    expect((await admin('PUT', '/api/quotas/alice', { maxSlots: -1 })).statusCode).toBe(400);

    const tooHigh = await alice('POST', '/api/experiments', { spec: spec('urgent'), priority: 90 });
    expect([tooHigh.statusCode, tooHigh.json()]).toEqual([
      403,
      { error: { code: 'quota_exceeded', message: 'alice may submit at priority 40 at most (their quota); this experiment asks for 90' } },
    ]);
    const submit = async (who: typeof alice, name: string) =>
      ((await who('POST', '/api/experiments', { spec: spec(name), priority: 30 })).json() as { id: number }).id;
    const first = await submit(alice, 'first');
    const second = await submit(alice, 'second');
    const bobs = await submit(bob, 'bobs');
    await cluster.advance(1_000);
    const state = async (id: number) =>
      ((await admin('GET', `/api/experiments/${id}`)).json() as { trials: { state: string; waitingFor: string | null }[] }).trials[0];
    // Two free slots: alice's first takes one, her second waits for her quota, bob's (submitted after it) takes the other.
    expect(await state(first)).toMatchObject({ state: 'scheduled', waitingFor: null });
    expect(await state(second)).toMatchObject({ state: 'queued', waitingFor: "alice's quota: 1 of 1 slot(s) in use, this trial needs 1" });
    expect(await state(bobs)).toMatchObject({ state: 'scheduled', waitingFor: null });
    expect((await admin('GET', '/api/quotas')).json()).toEqual([{ user: 'alice', maxSlots: 1, maxPriority: 40, slotsInUse: 1 }]);

    // A new node's free slot is still past alice's quota; lifting the quota lets her second start on it.
    cluster.addAgent('node-b', 1);
    await cluster.advance(1_000);
    expect(await state(second)).toMatchObject({ state: 'queued', waitingFor: expect.stringContaining("alice's quota") });
    await admin('PUT', '/api/quotas/alice', {});
    expect((await admin('GET', '/api/quotas')).json()).toEqual([]);
    await cluster.advance(1_000);
    expect(await state(second)).toMatchObject({ state: 'scheduled', waitingFor: null });
    const audit = ((await admin('GET', '/api/audit')).json() as { message: string }[]).map((e) => e.message);
    expect(audit).toContain('admin set the quota of alice: max 1 slot(s), priority at most 40');
    expect(audit).toContain('admin set the quota of alice: slots unlimited, any priority');
  });
});
