/**
 * The scheduler's view of trials (scheduler/cluster-view.ts) built from store rows: which ones hold
 * slots, which wait, and which are elastic (resources.min_workers below resources.workers).
 */
import type { ExperimentSpec } from '@orquesta/protocol';
import type { ActiveJob, PendingJob } from '../scheduler/cluster-view.js';
import type { TrialRow } from '../store/rows.js';

/** The fewest workers a trial may run with (resources.min_workers), its world size when not elastic. */
export function minWorkersOf(trial: TrialRow): number {
  return (JSON.parse(trial.specJson) as ExperimentSpec).resources.min_workers ?? trial.workers;
}

/** Placed trials; `canResize` says whether a trial's launcher lets it change size (not Slurm). */
export function activeJobs(trials: readonly TrialRow[], canResize: (t: TrialRow) => boolean): ActiveJob[] {
  return trials
    .filter((t) => t.placement !== null)
    .map((t) => ({
      trial: t.id,
      priority: t.priority,
      preemptible: t.preemptible,
      placedAt: t.placedAt ?? 0,
      stopping: t.state !== 'scheduled' && t.state !== 'running',
      placement: t.placement!,
      ...(canResize(t) && minWorkersOf(t) < t.workers ? { elastic: { workers: t.workers, slotsPerWorker: t.slotsPerWorker } } : {}),
    }));
}

/** Trials waiting for slots. */
export function pendingJobs(trials: readonly TrialRow[]): PendingJob[] {
  return trials.map((t) => ({
    trial: t.id,
    priority: t.priority,
    workers: t.workers,
    minWorkers: minWorkersOf(t),
    slotsPerWorker: t.slotsPerWorker,
    queuedAt: t.queuedAt,
  }));
}
