/** What the scheduler sees of the cluster: plain data, built from the store by the daemon. */
import type { Quotas } from './user-quotas.js';

export interface AgentView {
  readonly id: string;
  /** Address the agent's workers are reached at by their peers. */
  readonly host: string;
  readonly slots: number;
  /** GPU id per slot; empty for CPU slots. */
  readonly gpus: readonly string[];
  /** Inclusive data-plane port range. */
  readonly ports: readonly [number, number];
}

export interface WorkerPlacement {
  readonly rank: number;
  readonly agent: string;
  readonly host: string;
  /** Slot indices on the agent (slots_per_worker of them). */
  readonly slots: readonly number[];
  /** The worker's data-plane TCP port. */
  readonly port: number;
  /** Rank among this trial's workers on the same agent. */
  readonly localRank: number;
  readonly localWorldSize: number;
}

export interface Placement {
  readonly workers: readonly WorkerPlacement[];
  /** With the slurm launcher: Slurm places the workers; this is its job id (null until sbatch answers). */
  readonly slurmJob?: string | null;
}

/** A trial that holds slots (scheduled, running, checkpointing or restarting). */
export interface ActiveJob {
  readonly trial: number;
  readonly priority: number;
  readonly preemptible: boolean;
  /** Epoch ms when it was placed. */
  readonly placedAt: number;
  /** A stop is already under way (checkpointing for a pause, preemption or cancel, or restarting). */
  readonly stopping: boolean;
  readonly placement: Placement;
  /** Elastic trials: the world size it wants and the slots per worker, so it can grow back. */
  readonly elastic?: { readonly workers: number; readonly slotsPerWorker: number };
  /** Who submitted it (quotas count its slots); undefined: nobody's. */
  readonly user?: string;
  /** Slots it holds when its placement does not list them (a Slurm job: Slurm allocates its GPUs). */
  readonly slots?: number;
}

/** A trial waiting for slots (queued or preempted). */
export interface PendingJob {
  readonly trial: number;
  readonly priority: number;
  readonly workers: number;
  /** Fewest workers it may run with when `workers` do not fit (elastic); equal to workers otherwise. */
  readonly minWorkers: number;
  readonly slotsPerWorker: number;
  /** Epoch ms when it entered the queue (FIFO within a priority). */
  readonly queuedAt: number;
  /** Who submitted it (user-quotas.ts); undefined: nobody's, no quota applies. */
  readonly user?: string;
  /** Placed by another scheduler (Slurm): this one only hands it over, when its user's quota allows. */
  readonly external?: boolean;
}

export interface ClusterView {
  readonly agents: readonly AgentView[];
  readonly active: readonly ActiveJob[];
  readonly pending: readonly PendingJob[];
  /** Per-user limits (user-quotas.ts); none: nobody is limited. */
  readonly quotas?: Quotas;
}
