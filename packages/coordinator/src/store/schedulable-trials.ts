/**
 * What the scheduler reads of the pending and active trials, kept in memory: read once, then kept
 * current by the store's own writes (the store is the database's only writer), so a scheduling pass
 * never scans the trials table.
 */
import { ACTIVE_STATES, PENDING_STATES, type JobState } from '../jobs/job-state.js';
import type { SchedulingRow, TrialRow } from './rows.js';

/** States whose trials a scheduling pass reads. */
export const SCHEDULABLE: readonly JobState[] = [...PENDING_STATES, ...ACTIVE_STATES];

export class SchedulableTrials {
  private rowsById: Map<number, SchedulingRow> | undefined;

  /** @param load reads every trial in SCHEDULABLE states (called once, on first use). */
  constructor(private readonly load: () => SchedulingRow[]) {}

  /** The trials in `states` (a subset of SCHEDULABLE), in no set order. */
  rows(states: readonly JobState[]): SchedulingRow[] {
    this.rowsById ??= new Map(this.load().map((r) => [r.id, r]));
    const out: SchedulingRow[] = [];
    for (const row of this.rowsById.values()) if (states.includes(row.state)) out.push(row);
    return out;
  }

  /** A trial just written: its copy is replaced, added or dropped (nothing to do before the first read). */
  keep(trial: TrialRow): void {
    if (this.rowsById === undefined) return;
    if (!SCHEDULABLE.includes(trial.state)) return void this.rowsById.delete(trial.id);
    const { id, state, priority, preemptible, workers, minWorkers, slotsPerWorker, launcher, queuedAt, placedAt, placement } = trial;
    this.rowsById.set(id, { id, state, priority, preemptible, workers, minWorkers, slotsPerWorker, launcher, queuedAt, placedAt, placement });
  }

  /** Whether the copy holds trial `id`. */
  has(id: number): boolean {
    return this.rowsById?.has(id) ?? false;
  }
}
