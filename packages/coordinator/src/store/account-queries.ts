/**
 * The store's rows for users: named API tokens (only their SHA-256 is kept, with a role; revoking
 * keeps the row, so a name is never reused) and the audit trail (events
 * of kind `audit` with the user who made the state-changing call).
 */
import type Database from 'better-sqlite3';
import type { Role } from '../auth/roles.js';
import { ACTIVE_STATES } from '../jobs/job-state.js';
import { heldSlots, type UserQuota } from '../scheduler/user-quotas.js';
import type { EventRow } from './rows.js';
import { eventRow, schedulingRow, type Row } from './row-mapping.js';

type Sql = (text: string) => Database.Statement;

export interface TokenRow {
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export class AccountQueries {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number,
  ) {}

  /** @returns false when the name is taken (revoked names too). */
  createToken(name: string, role: Role, hash: string): boolean {
    const result = this.sql(`INSERT OR IGNORE INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)`).run(name, role, hash, this.now());
    return result.changes === 1;
  }

  /** @returns false when no live token has that name. */
  revokeToken(name: string): boolean {
    return this.sql(`UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`).run(this.now(), name).changes === 1;
  }

  /** The live token with this hash, if any. */
  tokenByHash(hash: string): { name: string; role: Role } | undefined {
    const row = this.sql(`SELECT name, role FROM tokens WHERE hash = ? AND revoked_at IS NULL`).get(hash) as Row | undefined;
    return row ? { name: String(row['name']), role: row['role'] as Role } : undefined;
  }

  tokens(): TokenRow[] {
    return (this.sql(`SELECT name, role, created_at, revoked_at FROM tokens ORDER BY rowid`).all() as Row[]).map((r) => ({
      name: String(r['name']),
      role: r['role'] as Role,
      createdAt: Number(r['created_at']),
      revokedAt: r['revoked_at'] == null ? null : Number(r['revoked_at']),
    }));
  }

  /** Sets (or with both limits undefined, removes) a user's quota. */
  setQuota(user: string, quota: UserQuota): void {
    if (quota.maxSlots === undefined && quota.maxPriority === undefined) return void this.sql(`DELETE FROM quotas WHERE user = ?`).run(user);
    this.sql(
      `INSERT INTO quotas (user, max_slots, max_priority, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(user) DO UPDATE SET max_slots = excluded.max_slots, max_priority = excluded.max_priority, updated_at = excluded.updated_at`,
    ).run(user, quota.maxSlots ?? null, quota.maxPriority ?? null, this.now());
  }

  /** Every user's quota. */
  quotas(): Map<string, UserQuota> {
    const rows = this.sql(`SELECT user, max_slots, max_priority FROM quotas ORDER BY user`).all() as Row[];
    return new Map(
      rows.map((r) => [
        String(r['user']),
        {
          ...(r['max_slots'] == null ? {} : { maxSlots: Number(r['max_slots']) }),
          ...(r['max_priority'] == null ? {} : { maxPriority: Number(r['max_priority']) }),
        },
      ]),
    );
  }

  /** Slots the trials of `user` hold now (heldSlots of each placed, unreleased trial). */
  slotsInUse(user: string): number {
    const rows = this.sql(
      `SELECT * FROM trials WHERE submitter = ? AND placement_json IS NOT NULL AND state IN (${ACTIVE_STATES.map(() => '?').join(',')})`,
    ).all(user, ...ACTIVE_STATES) as Row[];
    return rows.reduce((n, r) => n + heldSlots(schedulingRow(r)), 0);
  }

  /** One state-changing call: who made it and what it did. */
  audit(actor: string, experimentId: number | null, message: string): void {
    this.sql(`INSERT INTO events (ts, experiment_id, trial_id, kind, message, actor) VALUES (?, ?, NULL, 'audit', ?, ?)`).run(
      this.now(),
      experimentId,
      `${actor} ${message}`,
      actor,
    );
  }

  /** The audit trail after `afterId`, oldest first. */
  auditTrail(afterId = 0, limit = 10_000): (EventRow & { actor: string })[] {
    const rows = this.sql(`SELECT * FROM events WHERE kind = 'audit' AND id > ? ORDER BY id LIMIT ?`).all(afterId, limit) as Row[];
    return rows.map((r) => ({ ...eventRow(r), actor: String(r['actor']) }));
  }
}
