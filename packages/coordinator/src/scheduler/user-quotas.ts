/**
 * Per-user quotas, as the scheduler applies them (Slurm's QOS MaxTRESPerUser and priority limits alike):
 * - `maxSlots`: the most slots a user's trials hold at once. A trial whose gang would take the user past
 *   it waits (it neither reserves slots nor preempts), and work of other users behind it goes on; an
 *   elastic trial may start with as many workers as the quota leaves, down to its minimum.
 * - `maxPriority`: the highest priority a user's trials are scheduled at (a submission above it is
 *   refused; work queued before the quota was lowered is scheduled at the cap).
 * Users without a quota, and trials without a user, are unlimited.
 */
import type { Placement } from './cluster-view.js';

export interface UserQuota {
  /** Most slots held at once; undefined: no limit. */
  readonly maxSlots?: number;
  /** Highest priority (0-100); undefined: no limit. */
  readonly maxPriority?: number;
}

export type Quotas = ReadonlyMap<string, UserQuota>;

/** What a trial holds, for quotas: a placed trial's slots; a Slurm job's gang (Slurm allocates its GPUs, so its workers list no slots of ours, and none at all before the rendezvous). */
export function heldSlots(trial: {
  readonly launcher: 'agents' | 'slurm';
  readonly workers: number;
  readonly slotsPerWorker: number;
  readonly placement: Placement | null;
}): number {
  const placed = trial.placement?.workers ?? [];
  if (trial.launcher === 'slurm') return (placed.length || trial.workers) * trial.slotsPerWorker;
  return placed.reduce((n, w) => n + w.slots.length, 0);
}

/** The priority a user's trial is scheduled at. */
export function effectivePriority(priority: number, user: string | undefined, quotas: Quotas | undefined): number {
  const cap = user === undefined ? undefined : quotas?.get(user)?.maxPriority;
  return cap === undefined ? priority : Math.min(priority, cap);
}

/** Why a trial of `user` needing `slots` waits for its quota, or undefined when the quota holds it. */
export function quotaWait(user: string, slots: number, inUse: number, quota: UserQuota | undefined): string | undefined {
  if (quota?.maxSlots === undefined || inUse + slots <= quota.maxSlots) return undefined;
  return `${user}'s quota: ${inUse} of ${quota.maxSlots} slot(s) in use, this trial needs ${slots}`;
}

/** Slots each user holds as a pass goes on, and the workers a user's next trial may take. */
export class SlotLedger {
  private readonly held = new Map<string, number>();

  constructor(
    private readonly quotas: Quotas | undefined,
    holdings: Iterable<{ readonly user?: string | undefined; readonly slots: number }>,
  ) {
    for (const h of holdings) if (h.user !== undefined) this.take(h.user, h.slots);
  }

  /** Workers of `slotsPerWorker` slots `user` may still place (Infinity without a limit); `give` slots of its own count as free. */
  room(user: string | undefined, slotsPerWorker: number, give = 0): number {
    const max = user === undefined ? undefined : this.quotas?.get(user)?.maxSlots;
    if (max === undefined || user === undefined) return Infinity;
    return Math.max(0, Math.floor((max - (this.held.get(user) ?? 0) + give) / slotsPerWorker));
  }

  take(user: string | undefined, slots: number): void {
    if (user !== undefined) this.held.set(user, (this.held.get(user) ?? 0) + slots);
  }
}
