/**
 * Named API tokens (`orquesta token create NAME --role R`, `token revoke NAME`): 32 random bytes, hex,
 * shown once; the store keeps only their SHA-256 (tokenHash) and role. Each change is audited and
 * committed before the call returns, so a revoked token is refused by the very next request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ROLES, type Role } from '../auth/roles.js';
import type { UserQuota } from '../scheduler/user-quotas.js';
import type { Store } from '../store/store.js';
import { StateConflictError } from './daemon-errors.js';

/** A token's name: what the audit trail and the submitter column show. */
export const TOKEN_NAME = /^[a-z][a-z0-9._-]{0,62}$/;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class TokenBook {
  constructor(private readonly store: Store) {}

  /** @returns the token, the only time it is shown. @throws {StateConflictError} a bad or taken name, or an unknown role. */
  create(name: string, role: Role, actor: string): string {
    if (!TOKEN_NAME.test(name))
      throw new StateConflictError(`a token name is lowercase letters, digits, ".", "_" and "-", starting with a letter; got ${JSON.stringify(name)}`);
    if (name === 'admin') throw new StateConflictError('"admin" is the token file\'s user; pick another name');
    if (!ROLES.includes(role)) throw new StateConflictError(`role must be one of ${ROLES.join(', ')}; got ${JSON.stringify(role)}`);
    const token = randomBytes(32).toString('hex');
    if (!this.store.accounts.createToken(name, role, tokenHash(token)))
      throw new StateConflictError(`a token named ${name} exists (or existed: revoked names are not reused)`);
    this.store.accounts.audit(actor, null, `created token ${name} (${role})`);
    this.store.flush();
    return token;
  }

  /** Sets `user`'s quota (both limits absent: none), audited. @throws {StateConflictError} a bad user name or limit. */
  setQuota(user: string, quota: UserQuota, actor: string): void {
    if (!TOKEN_NAME.test(user)) throw new StateConflictError(`a user is named as their token; got ${JSON.stringify(user)}`);
    if (quota.maxSlots !== undefined && !(Number.isInteger(quota.maxSlots) && quota.maxSlots >= 0))
      throw new StateConflictError(`maxSlots must be a whole number of slots, got ${quota.maxSlots}`);
    if (quota.maxPriority !== undefined && !(Number.isInteger(quota.maxPriority) && quota.maxPriority >= 0 && quota.maxPriority <= 100))
      throw new StateConflictError(`maxPriority must be 0-100, got ${quota.maxPriority}`);
    this.store.accounts.setQuota(user, quota);
    const limits = [
      quota.maxSlots === undefined ? 'slots unlimited' : `max ${quota.maxSlots} slot(s)`,
      quota.maxPriority === undefined ? 'any priority' : `priority at most ${quota.maxPriority}`,
    ];
    this.store.accounts.audit(actor, null, `set the quota of ${user}: ${limits.join(', ')}`);
    this.store.flush();
  }

  /** @throws {StateConflictError} no live token has that name. */
  revoke(name: string, actor: string): void {
    if (!this.store.accounts.revokeToken(name)) throw new StateConflictError(`no live token named ${name}`);
    this.store.accounts.audit(actor, null, `revoked token ${name}`);
    this.store.flush();
  }
}
