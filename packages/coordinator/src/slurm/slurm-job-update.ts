/**
 * What squeue's view of a trial's Slurm job means for the trial, as a pure function: the job was
 * requeued (its tasks start again), is running, ended (in which state), or vanished from Slurm.
 */
import type { SlurmJob } from './slurm-client.js';

/** Slurm job states after which no task of the job runs. */
export const SLURM_ENDED: readonly string[] = [
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'NODE_FAIL',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
  'SPECIAL_EXIT',
];

/** A job squeue no longer lists this long after submission is taken as gone, in ms. */
export const SLURM_VANISHED_MS = 30_000;

export interface SlurmJobUpdate {
  /** The job's new requeue count, when Slurm requeued it since the last look. */
  readonly requeued?: number;
  readonly running: boolean;
  /** The job ended (or vanished): the state and a sentence for the event. */
  readonly ended?: { readonly state: string; readonly cause: string };
}

export function slurmJobUpdate(id: string, job: SlurmJob | undefined, seenRestarts: number, msSinceSubmit: number): SlurmJobUpdate {
  if (!job)
    return msSinceSubmit > SLURM_VANISHED_MS ? { running: false, ended: { state: 'VANISHED', cause: `Slurm no longer knows job ${id}` } } : { running: false };
  const requeued = job.restarts > seenRestarts;
  return {
    ...(requeued ? { requeued: job.restarts } : {}),
    running: job.state === 'RUNNING',
    // A requeue seen in the same answer as an end state is the requeue's passage (the next answer,
    // with the restart count known, tells whether the job really ended).
    ...(!requeued && SLURM_ENDED.includes(job.state)
      ? { ended: { state: job.state, cause: `Slurm job ${id} ended ${job.state}${job.reason && job.reason !== 'None' ? ` (${job.reason})` : ''}` } }
      : {}),
  };
}
