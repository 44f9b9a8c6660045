import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { buildApi } from './api.js';
import { localBackend } from './api-backend.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SPEC = [
  'name: roles',
  'task: translation',
  'data: { train: data/spa-eng/valid.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en }',
  'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1 }',
  'optimizer: { warmup_steps: 5 }',
  'training: { max_steps: 10 }',
  'checkpoint: { dir: runs/roles }',
].join('\n');
const ADMIN = 'ad'.repeat(32);

let cluster: InMemoryCluster;
afterEach(() => cluster?.store.close());

function setUp() {
  cluster = new InMemoryCluster(':memory:', { baseDir: ROOT });
  const app = buildApi({ coordinator: localBackend(cluster.coordinator), store: cluster.store, controlPort: 7071, token: ADMIN });
  const as = (token: string | undefined) => (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, ...(payload ? { payload } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { app, as };
}

describe('users and roles on the API', () => {
  it('a viewer reads only; a submitter changes only its own experiments; an admin anything; a revoked token is refused at once; all of it audited', async () => {
    const { as } = setUp();
    const admin = as(ADMIN);
    const token = async (name: string, role: string) => {
      const created = await admin('POST', '/api/tokens', { name, role });
      expect(created.statusCode, created.body).toBe(201);
      return (created.json() as { token: string }).token;
    };
    const [vic, alice, bob] = [as(await token('vic', 'viewer')), as(await token('alice', 'submitter')), as(await token('bob', 'submitter'))];
    expect((await admin('POST', '/api/tokens', { name: 'alice', role: 'viewer' })).json()).toMatchObject({
      error: { code: 'conflict', message: expect.stringMatching(/a token named alice exists/) },
    });

    // A viewer reads but cannot submit.
    expect((await vic('GET', '/api/experiments')).statusCode).toBe(200);
    const refused = await vic('POST', '/api/experiments', { spec: SPEC });
    expect([refused.statusCode, refused.json().error.message]).toEqual([403, 'vic is a viewer; submitting needs the submitter or admin role']);
    // Alice submits; the experiment records her.
    const submitted = await alice('POST', '/api/experiments', { spec: SPEC });
    expect(submitted.statusCode).toBe(201);
    const id = (submitted.json() as { id: number }).id;
    expect((await vic('GET', `/api/experiments/${id}`)).json()).toMatchObject({ submitter: 'alice' });
    // Bob may not cancel (or pause, or chaos) Alice's experiment; a viewer neither; Alice may pause it.
    for (const [who, action] of [
      [bob, 'cancel'],
      [bob, 'pause'],
      [vic, 'cancel'],
    ] as const) {
      const answer = await who('POST', `/api/experiments/${id}/${action}`);
      expect(answer.statusCode).toBe(403);
    }
    expect((await bob('POST', `/api/experiments/${id}/cancel`)).json().error.message).toBe(
      'bob did not submit this experiment (alice did); only its submitter or an admin may change it',
    );
    expect((await bob('POST', `/api/experiments/${id}/chaos`, { action: 'kill-worker', rank: 0 })).statusCode).toBe(403);
    expect((await alice('POST', `/api/experiments/${id}/pause`)).json()).toMatchObject({ state: 'paused' });
    expect((await admin('POST', `/api/experiments/${id}/cancel`)).json()).toMatchObject({ state: 'cancelled' });
    // Tokens and the audit trail are for admins.
    expect((await alice('GET', '/api/tokens')).statusCode).toBe(403);
    expect((await alice('GET', '/api/audit')).statusCode).toBe(403);
    expect((await admin('GET', '/api/tokens')).json().map((t: { name: string; role: string }) => `${t.name}:${t.role}`)).toEqual([
      'vic:viewer',
      'alice:submitter',
      'bob:submitter',
    ]);
    // Revoking bob: his next request is refused.
    expect((await bob('GET', '/api/experiments')).statusCode).toBe(200);
    expect((await admin('DELETE', '/api/tokens/bob')).statusCode).toBe(204);
    expect((await bob('POST', '/api/experiments', { spec: SPEC })).statusCode).toBe(403);
    expect((await admin('DELETE', '/api/tokens/bob')).statusCode).toBe(409);
    // Nothing presented on a write: 401.
    expect((await as(undefined)('POST', '/api/experiments', { spec: SPEC })).statusCode).toBe(401);

    const audit = (await admin('GET', '/api/audit')).json() as { actor: string; message: string }[];
    expect(audit.map((e) => e.message)).toEqual([
      'admin created token vic (viewer)',
      'admin created token alice (submitter)',
      'admin created token bob (submitter)',
      `alice submitted experiment ${id} (roles, 1 trial(s))`,
      `alice paused experiment ${id}`,
      `admin cancelled experiment ${id}`,
      'admin revoked token bob',
    ]);
    expect(audit.map((e) => e.actor)).toEqual(['admin', 'admin', 'admin', 'alice', 'alice', 'admin', 'admin']);
  });
});
