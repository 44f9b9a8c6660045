/**
 * Who an API request acts as, and whether it may: the bearer token (or `?token=` on reads, for the
 * dashboard) is the token file's (user `admin`) or a named token's (auth/roles.ts; the store keeps its
 * SHA-256). Without a token, reads are anonymous unless `--read-auth`; writes get 401; an unknown or
 * revoked token gets 403. A coordinator started without a token (tests, `orquesta train`) treats every
 * request as admin's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenMatches } from '../auth/api-token.js';
import { ADMIN_USER, refusal, type Action, type Identity } from '../auth/roles.js';
import { tokenHash } from '../daemon/token-book.js';
import type { Store } from '../store/store.js';
import { API_ERROR, type ApiErrorCode } from './api-errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook; undefined for an anonymous read. */
    identity?: Identity;
  }
}

type Fail = (reply: FastifyReply, status: number, code: ApiErrorCode, message: string) => FastifyReply;

const ADMIN: Identity = { name: ADMIN_USER, role: 'admin' };

export function installAuth(app: FastifyInstance, options: { token?: string; readAuth?: boolean; store: Store }, fail: Fail): void {
  const { token, store } = options;
  if (token === undefined) {
    app.addHook('onRequest', async (request) => void (request.identity = ADMIN));
    return;
  }
  app.addHook('onRequest', async (request, reply) => {
    const reading = request.method === 'GET' || request.method === 'HEAD';
    const open = reading && (!options.readAuth || request.url === '/metrics');
    const header = request.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : reading ? (request.query as { token?: string }).token : undefined;
    if (presented === undefined) {
      if (open) return;
      return fail(
        reply,
        401,
        API_ERROR.unauthorized,
        'this call needs a coordinator token: Authorization: Bearer <token> (orquesta reads ORQUESTA_TOKEN or .orquesta/token)',
      );
    }
    const who = tokenMatches(presented, token) ? ADMIN : store.accounts.tokenByHash(tokenHash(presented));
    if (who) request.identity = who;
    else if (!open)
      return fail(reply, 403, API_ERROR.forbidden, "the token does not match this coordinator's, nor any live named token's (a revoked one never does)");
  });
}

/**
 * Whether the request's user may do `action` (on an experiment submitted by `owner`); sends 403 naming
 * why when not (401 for an anonymous request).
 */
export function permitted(request: FastifyRequest, reply: FastifyReply, fail: Fail, action: Action, owner?: string | null): boolean {
  const who = request.identity;
  if (!who) {
    void fail(reply, 401, API_ERROR.unauthorized, 'this call needs a coordinator token: Authorization: Bearer <token>');
    return false;
  }
  const why = refusal(who, action, owner);
  if (why === undefined) return true;
  void fail(reply, 403, API_ERROR.forbidden, why);
  return false;
}
