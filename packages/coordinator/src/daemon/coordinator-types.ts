/** The coordinator's options, results and run bookkeeping types. */
import type { Meter } from '@opentelemetry/api';
import type { LiveSeries } from '@orquesta/telemetry';
import type { ExperimentSpec, WorkerLaunch } from '@orquesta/protocol';
import type { PlacementPlan } from '../scheduler/plan-placement.js';
import type { SlurmClient } from '../slurm/slurm-client.js';
import type { SpecProblem } from '@orquesta/spec';
import type { Store } from '../store/store.js';
import type { ControlChannel } from './control-channel.js';
import type { CheckpointLayout } from './submission.js';

export interface CoordinatorOptions {
  readonly store: Store;
  readonly channel: ControlChannel;
  /** Epoch ms. */
  readonly now?: () => number;
  /** Directory the spec's relative paths resolve against when validating. Defaults to the working directory. */
  readonly baseDir?: string;
  /** Agents heartbeat this often, in ms. Defaults to 1,000. */
  readonly heartbeatMs?: number;
  /** An agent silent for this long is lost, in ms. Defaults to 5,000. */
  readonly agentTimeoutMs?: number;
  /** A gap longer than this between two ticks means the coordinator was stalled: agents' silence clocks restart, in ms. Defaults to 0 (off). */
  readonly stallMs?: number;
  /** Workers asked to checkpoint and stop are killed after this long, in ms. Defaults to 120,000. */
  readonly stopGraceMs?: number;
  /** Workers whose processes are not running (listed by their agent) this long after placement restart their trial, in ms. Defaults to 120,000. */
  readonly startTimeoutMs?: number;
  /** After a coordinator restart, agents have this long to report their workers, in ms. Defaults to 15,000. */
  readonly recoveryGraceMs?: number;
  /**
   * Runs a wanted scheduling pass later (after `delayMs`; 0: on the next turn), once for every request
   * made until then (a burst of submissions or exits costs one pass). Defaults to setTimeout/setImmediate.
   */
  readonly defer?: (pass: () => void, delayMs: number) => void;
  /** Least time between the end of one requested scheduling pass and the start of the next, in ms. Defaults to 0. */
  readonly passGapMs?: number;
  /** A scheduling pass applies decisions for at most this long, in ms; the next pass goes on (scheduling-pass.ts). Default: no limit. */
  readonly passBudgetMs?: number;
  /** Backfill stops passing a trial queued longer than this, in ms. Defaults to 300,000. */
  readonly starvationMs?: number;
  readonly log?: (line: string) => void;
  /** Enables `resources.launcher: slurm`. */
  readonly slurm?: SlurmLaunchOptions;
  /** Token agents (hello) and Slurm tasks (rendezvous) must present; without it, the control socket is open. */
  readonly controlToken?: string;
  /** Directories specs' data and checkpoint paths must stay inside. Defaults to [baseDir]. */
  readonly pathRoots?: readonly string[];
  /** Trials checkpoint under CHECKPOINT_DIR/exp-ID (`per-experiment`, the default) or in CHECKPOINT_DIR (`as-given`). */
  readonly checkpointLayout?: CheckpointLayout;
  /** Where training and cluster metrics go: an entry point's MeterProvider, and its live series (startMetrics). Defaults to none. */
  readonly metrics?: { readonly meter: Meter; readonly live: LiveSeries };
}

export interface SlurmLaunchOptions {
  readonly client: SlurmClient;
  /** Control endpoint Slurm tasks connect to (tcp://HOST:PORT reachable from the compute nodes). */
  readonly control: string;
  /** Where each attempt's spec, batch script and job output go. */
  readonly stateDir: string;
  /** The control socket's CURVE public key, exported to tasks. */
  readonly controlKey?: string;
  /** The client key pair tasks connect with (admitted by the server's agent key list), exported to tasks. */
  readonly taskKeys?: { readonly publicKey: string; readonly secretKey: string };
  /** The `orquesta` command file tasks run (with `node`). */
  readonly cli: string;
  /** Directory tasks run in. */
  readonly workdir: string;
  /** Node binary on the compute nodes. Defaults to this process's. */
  readonly node?: string;
  /** squeue period, in ms. Defaults to 2,000. */
  readonly pollMs?: number;
}

export interface RunTracker {
  readonly trialId: number;
  readonly experimentId: number;
  readonly ranks: number;
  readonly exited: Map<number, { code: number | null; signal: string | null }>;
  readonly lastError: Map<number, string>;
  doneReason?: 'max_steps' | 'stopped';
  /** What each rank was started with (peer recovery starts a replacement alike); unknown after a coordinator restart. */
  launches?: ReadonlyMap<number, WorkerLaunch>;
}

/** Whom `orquesta chaos` aims at. */
export interface ChaosTarget {
  readonly rank?: number;
  readonly node?: string;
  readonly seconds?: number;
}

/** How `submit` and `queue` queue a spec: its priority (default the spec's) and who submitted it (default admin). */
export interface QueueOptions {
  readonly priority?: number;
  readonly submitter?: string;
}

export type SubmitResult = { ok: true; id: number; trials: number[] } | { ok: false; problems: readonly SpecProblem[] };

export type PlanResult =
  { ok: false; problems: readonly SpecProblem[] } | ({ ok: true; spec: Readonly<ExperimentSpec>; workers: number; slotsPerWorker: number } & PlacementPlan);

export const runId = (trialId: number, attempt: number) => `${trialId}.${attempt}`;
