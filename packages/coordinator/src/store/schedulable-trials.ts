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
  /** The copy by state (a pass asks for the pending or the active ones), and each trial's state in it. */
  private byState: Map<JobState, Map<number, SchedulingRow>> | undefined;
  private readonly stateOf = new Map<number, JobState>();

  /** @param load reads every trial in SCHEDULABLE states (called once, on first use). */
  constructor(private readonly load: () => SchedulingRow[]) {}

  /** The trials in `states` (a subset of SCHEDULABLE), in no set order. */
  rows(states: readonly JobState[]): SchedulingRow[] {
    const byState = this.loaded();
    const out: SchedulingRow[] = [];
    for (const state of states) for (const row of byState.get(state)?.values() ?? []) out.push(row);
    return out;
  }

  /** A trial just written: its copy is replaced, added or dropped (nothing to do before the first read). */
  keep(trial: TrialRow): void {
    if (this.byState === undefined) return;
    const before = this.stateOf.get(trial.id);
    if (before !== undefined) this.byState.get(before)?.delete(trial.id);
    if (!SCHEDULABLE.includes(trial.state)) return void this.stateOf.delete(trial.id);
    const { id, state, priority, preemptible, workers, minWorkers, slotsPerWorker, launcher, queuedAt, placedAt, placement, submitter } = trial;
    this.put({ id, state, priority, preemptible, workers, minWorkers, slotsPerWorker, launcher, queuedAt, placedAt, placement, submitter });
  }

  /** Whether the copy holds trial `id`. */
  has(id: number): boolean {
    return this.stateOf.has(id);
  }

  private loaded(): Map<JobState, Map<number, SchedulingRow>> {
    if (this.byState === undefined) {
      this.byState = new Map();
      for (const row of this.load()) this.put(row);
    }
    return this.byState;
  }

  private put(row: SchedulingRow): void {
    const byState = this.byState as Map<JobState, Map<number, SchedulingRow>>;
    let rows = byState.get(row.state);
    if (rows === undefined) byState.set(row.state, (rows = new Map()));
    rows.set(row.id, row);
    this.stateOf.set(row.id, row.state);
  }
}
