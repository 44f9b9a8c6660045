/**
 * The API's user routes (admins only): named tokens and the audit trail.
 *
 *   POST   /api/tokens {name, role}   -> 201 {name, role, token}   (the token is shown this once)
 *   GET    /api/tokens                -> [{name, role, createdAt, revokedAt}]
 *   DELETE /api/tokens/:name          -> 204; the token is refused from the next request on
 *   GET    /api/audit?after=N         -> [{id, ts, actor, experimentId, message}]  every state-changing call
 *   GET    /api/quotas                -> [{user, maxSlots, maxPriority, slotsInUse}]  (null: no limit)
 *   PUT    /api/quotas/:user {maxSlots?, maxPriority?}  -> 200 the user's quota; neither: the quota is removed
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ACTION, ROLES, type Role } from '../auth/roles.js';
import { TOKEN_NAME } from '../daemon/token-book.js';
import type { UserQuota } from '../scheduler/user-quotas.js';
import type { Store } from '../store/store.js';
import type { ApiBackend } from './api-backend.js';
import type { ApiErrorCode } from './api-errors.js';
import { permitted } from './api-auth.js';

type Fail = (reply: FastifyReply, status: number, code: ApiErrorCode, message: string) => FastifyReply;

export function registerAccountRoutes(app: FastifyInstance, coordinator: ApiBackend, store: Store, fail: Fail): void {
  app.post(
    '/api/tokens',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'role'],
          properties: { name: { type: 'string', pattern: TOKEN_NAME.source }, role: { type: 'string', enum: [...ROLES] } },
        },
      },
    },
    async (request, reply) => {
      if (!permitted(request, reply, fail, ACTION.administer)) return reply;
      const { name, role } = request.body as { name: string; role: Role };
      const token = await coordinator.createToken(name, role, request.identity!.name);
      return reply.status(201).send({ name, role, token });
    },
  );
  app.get('/api/tokens', async (request, reply) => {
    if (!permitted(request, reply, fail, ACTION.administer)) return reply;
    return store.accounts
      .tokens()
      .map((t) => ({ ...t, createdAt: new Date(t.createdAt).toISOString(), revokedAt: t.revokedAt === null ? null : new Date(t.revokedAt).toISOString() }));
  });
  app.delete(
    '/api/tokens/:name',
    { schema: { params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } },
    async (request, reply) => {
      if (!permitted(request, reply, fail, ACTION.administer)) return reply;
      await coordinator.revokeToken((request.params as { name: string }).name, request.identity!.name);
      return reply.status(204).send();
    },
  );
  app.get(
    '/api/audit',
    { schema: { querystring: { type: 'object', properties: { after: { type: 'integer', minimum: 0, default: 0 }, token: { type: 'string' } } } } },
    async (request, reply) => {
      if (!permitted(request, reply, fail, ACTION.administer)) return reply;
      return store.accounts
        .auditTrail((request.query as { after: number }).after)
        .map((e) => ({ id: e.id, ts: e.ts, actor: e.actor, experimentId: e.experimentId, message: e.message }));
    },
  );
  app.get('/api/quotas', async (request, reply) => {
    if (!permitted(request, reply, fail, ACTION.administer)) return reply;
    return [...store.accounts.quotas()].map(([user, q]) => quotaView(user, q, store.accounts.slotsInUse(user)));
  });
  app.put(
    '/api/quotas/:user',
    {
      schema: {
        params: { type: 'object', properties: { user: { type: 'string', pattern: TOKEN_NAME.source } }, required: ['user'] },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            maxSlots: { type: 'integer', minimum: 0, maximum: 1_000_000, description: 'Most slots held at once. Absent: no limit.' },
            maxPriority: { type: 'integer', minimum: 0, maximum: 100, description: 'Highest priority allowed. Absent: no limit.' },
          },
        },
      },
    },
    async (request, reply) => {
      if (!permitted(request, reply, fail, ACTION.administer)) return reply;
      const user = (request.params as { user: string }).user;
      const quota = request.body as UserQuota;
      await coordinator.setQuota(user, quota, request.identity!.name);
      return quotaView(user, quota, store.accounts.slotsInUse(user));
    },
  );
}

function quotaView(user: string, quota: UserQuota, slotsInUse: number) {
  return { user, maxSlots: quota.maxSlots ?? null, maxPriority: quota.maxPriority ?? null, slotsInUse };
}
