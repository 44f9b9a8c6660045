/**
 * Who may do what on the coordinator's API. A named token carries a role:
 *   viewer     reads (status, logs, metrics, the dashboard)
 *   submitter  reads, submits experiments, and pauses, resumes, cancels and rehearses failures on its own
 *   admin      everything: other users' experiments, tokens
 * The token file `orquesta serve` creates is the `admin` user's. Pure: the caller resolves the identity
 * (request-identity.ts) and the experiment's submitter.
 */
export const ROLES = ['viewer', 'submitter', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ADMIN_USER = 'admin';

/** The user a request acts as. Anonymous reads (no --read-auth, no token presented) have none. */
export interface Identity {
  readonly name: string;
  readonly role: Role;
}

export const ACTION = {
  read: 'read',
  submit: 'submit',
  /** pause, resume, cancel, chaos of one experiment. */
  control: 'control',
  /** token create, revoke, list; the audit trail. */
  administer: 'administer',
} as const;
export type Action = (typeof ACTION)[keyof typeof ACTION];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Why `who` may not do `action` (on an experiment submitted by `owner`), or undefined when it may.
 * Experiments from before users existed have no owner: only admins control them.
 */
export function refusal(who: Identity, action: Action, owner?: string | null): string | undefined {
  switch (action) {
    case ACTION.read:
      return undefined;
    case ACTION.submit:
      return who.role === 'viewer' ? `${who.name} is a viewer; submitting needs the submitter or admin role` : undefined;
    case ACTION.control:
      if (who.role === 'admin') return undefined;
      if (who.role === 'viewer') return `${who.name} is a viewer; pausing, resuming, cancelling and chaos need the submitter or admin role`;
      return owner === who.name
        ? undefined
        : `${who.name} did not submit this experiment (${owner ? `${owner} did` : 'no recorded submitter'}); only its submitter or an admin may change it`;
    case ACTION.administer:
      return who.role === 'admin' ? undefined : `${who.name} is a ${who.role}; tokens and the audit trail need the admin role`;
    default: {
      const unreachable: never = action;
      return `unknown action ${String(unreachable)}`;
    }
  }
}
