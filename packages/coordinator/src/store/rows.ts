/** Rows of the coordinator's store, as the rest of the coordinator reads them. Times in epoch ms. */
import type { JobState, StopTarget } from '../jobs/job-state.js';
import type { Placement } from '../scheduler/cluster-view.js';

export interface ExperimentRow {
  readonly id: number;
  readonly name: string;
  readonly specYaml: string;
  /** Who submitted it (the token's user); null for experiments from before users existed. */
  readonly submitter: string | null;
  readonly state: JobState;
  readonly priority: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface TrialRow {
  readonly id: number;
  readonly experimentId: number;
  /** Index within the experiment's search (0 without a search). */
  readonly idx: number;
  /** The search point this trial tries, dotted field -> value. */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** The trial's validated spec as JSON (checkpoint.dir already made unique to the trial). */
  readonly specJson: string;
  readonly state: JobState;
  readonly stopTarget: StopTarget | null;
  /** Launches so far; the run id of attempt k is `${id}.${k}`. */
  readonly attempt: number;
  readonly restarts: number;
  readonly maxRestarts: number;
  readonly priority: number;
  readonly preemptible: boolean;
  readonly workers: number;
  /** The fewest workers it may run with (resources.min_workers; its world size when not elastic). */
  readonly minWorkers: number;
  readonly slotsPerWorker: number;
  /** Who starts its workers (resources.launcher). */
  readonly launcher: 'agents' | 'slurm';
  readonly queuedAt: number;
  readonly placedAt: number | null;
  readonly placement: Placement | null;
  readonly checkpointDir: string;
  readonly lastStep: number;
  readonly lastCheckpoint: string | null;
  readonly trainLoss: number | null;
  readonly validLoss: number | null;
  readonly validPerplexity: number | null;
  readonly tokensPerSecond: number | null;
  /** The goodput ledger's state as JSON (daemon/goodput-ledger.ts), or null before the first placement. */
  readonly goodputJson: string | null;
  /** Each rank's speed relative to the fastest, by rank, from the newest straggler-watch verdict; null before one. */
  readonly rankSpeeds: Readonly<Record<string, number>> | null;
  /** Who submitted its experiment (quotas count its slots); null for experiments from before users. */
  readonly submitter: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What a scheduling pass reads of a trial (no spec, no figures). */
export type SchedulingRow = Pick<
  TrialRow,
  'id' | 'state' | 'priority' | 'preemptible' | 'workers' | 'minWorkers' | 'slotsPerWorker' | 'launcher' | 'queuedAt' | 'placedAt' | 'placement' | 'submitter'
>;

export type WorkerState = 'starting' | 'running' | 'exited';

export interface WorkerRow {
  readonly run: string;
  readonly trialId: number;
  readonly rank: number;
  readonly agent: string;
  readonly host: string;
  readonly port: number;
  readonly slots: readonly number[];
  readonly pid: number | null;
  readonly state: WorkerState;
  readonly exitCode: number | null;
  readonly exitSignal: string | null;
  readonly updatedAt: number;
}

export type AgentState = 'alive' | 'lost';

export interface AgentRow {
  readonly id: string;
  readonly host: string;
  readonly slots: number;
  readonly gpus: readonly string[];
  readonly ports: readonly [number, number];
  readonly state: AgentState;
  readonly lastSeen: number;
  readonly registeredAt: number;
}

export interface EventRow {
  readonly id: number;
  readonly ts: number;
  readonly experimentId: number | null;
  readonly trialId: number | null;
  /** transition, restart, preempt, agent-lost, worker-exit, submit, ... */
  readonly kind: string;
  readonly fromState: JobState | null;
  readonly toState: JobState | null;
  readonly message: string;
}

export interface LogRow {
  readonly id: number;
  readonly ts: number;
  readonly trialId: number;
  readonly rank: number;
  readonly line: string;
}

export interface MetricRow {
  readonly id: number;
  readonly ts: number;
  readonly trialId: number;
  readonly step: number;
  /** progress and evaluation from rank 0; timing (step phases) from every other rank. */
  readonly kind: 'progress' | 'evaluation' | 'timing';
  readonly values: Readonly<Record<string, unknown>>;
}

/** A trial as `createExperiment` inserts it. */
export interface NewTrial {
  readonly idx: number;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly specJson: string;
  readonly checkpointDir: string;
  readonly maxRestarts: number;
  readonly priority: number;
  readonly preemptible: boolean;
  readonly workers: number;
  /** resources.min_workers, when the trial is elastic. */
  readonly minWorkers?: number;
  readonly slotsPerWorker: number;
  readonly launcher: 'agents' | 'slurm';
}

/** Columns a state change may set beside the state. */
export interface TrialChanges {
  readonly stopTarget?: StopTarget | null;
  readonly attempt?: number;
  readonly restarts?: number;
  readonly queuedAt?: number;
  readonly placedAt?: number | null;
  readonly placement?: Placement | null;
  readonly priority?: number;
}

/** The trials column of each field a move may change (placement as JSON). */
export const TRIAL_CHANGE_COLUMNS: Readonly<Record<keyof TrialChanges, string>> = {
  stopTarget: 'stop_target',
  attempt: 'attempt',
  restarts: 'restarts',
  queuedAt: 'queued_at',
  placedAt: 'placed_at',
  placement: 'placement_json',
  priority: 'priority',
};
