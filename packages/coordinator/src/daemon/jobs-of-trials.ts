/**
 * The scheduler's view of trials (scheduler/cluster-view.ts) built from store rows: which ones hold
 * slots, which wait, and which are elastic (resources.min_workers below resources.workers).
 */
import type { ActiveJob, PendingJob } from '../scheduler/cluster-view.js';
import type { SchedulingRow } from '../store/rows.js';
import { heldSlots } from '../scheduler/user-quotas.js';

/** Placed trials; `canResize` says whether a trial's launcher lets it change size (not Slurm). */
export function activeJobs(trials: readonly SchedulingRow[], canResize: (t: SchedulingRow) => boolean): ActiveJob[] {
  return trials
    .filter((t) => t.placement !== null)
    .map((t) => ({
      trial: t.id,
      priority: t.priority,
      preemptible: t.preemptible,
      placedAt: t.placedAt ?? 0,
      stopping: t.state !== 'scheduled' && t.state !== 'running',
      placement: t.placement!,
      ...(t.submitter === null ? {} : { user: t.submitter }),
      ...(t.launcher === 'slurm' ? { slots: heldSlots(t) } : {}),
      ...(canResize(t) && t.minWorkers < t.workers ? { elastic: { workers: t.workers, slotsPerWorker: t.slotsPerWorker } } : {}),
    }));
}

/** Trials waiting for slots. */
export function pendingJobs(trials: readonly SchedulingRow[]): PendingJob[] {
  return trials.map((t) => ({
    trial: t.id,
    priority: t.priority,
    workers: t.workers,
    minWorkers: t.minWorkers,
    slotsPerWorker: t.slotsPerWorker,
    queuedAt: t.queuedAt,
    ...(t.submitter === null ? {} : { user: t.submitter }),
    ...(t.launcher === 'slurm' ? { external: true } : {}),
  }));
}
