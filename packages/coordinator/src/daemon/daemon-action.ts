/**
 * What the coordinator's parts (agent sessions, the scheduling pass, Slurm runs) ask it to do. Each
 * part reads and writes the store (the state) and returns these; the coordinator applies them in
 * order with one exhaustive switch. The parts hold no callbacks into the coordinator and no channel,
 * so their tests need neither a coordinator nor sockets.
 */
import type { CoordinatorMessage, WorkerLaunch } from '@orquesta/protocol';
import type { StopTarget } from '../jobs/job-state.js';

export type DaemonAction =
  /** A control message to an agent or a Slurm task (by routing id). */
  | { readonly kind: 'send'; readonly to: string; readonly message: CoordinatorMessage }
  /** Start following the trial's current run (it was just placed), with what each rank was started with. */
  | { readonly kind: 'track-run'; readonly trialId: number; readonly launches?: ReadonlyMap<number, WorkerLaunch> }
  /** A rank of the trial's run failed and it cannot recover in place: stop every rank and restart from the checkpoint. */
  | { readonly kind: 'restart-run'; readonly trialId: number; readonly cause: string }
  /** Stop following a run that never started (sbatch refused it). */
  | { readonly kind: 'drop-run'; readonly run: string }
  /** Every worker of the run has exited: decide where its trial goes. */
  | { readonly kind: 'finish-run'; readonly run: string }
  /** Ask a running trial's workers to checkpoint and stop; the trial then goes to `target`. */
  | { readonly kind: 'request-stop'; readonly trialId: number; readonly target: StopTarget; readonly cause: string }
  /** Stop a trial's workers without moving it (its state already says why). */
  | { readonly kind: 'stop-workers'; readonly trialId: number; readonly mode: 'checkpoint' | 'kill' }
  /** A worker is gone without an exit status (vanished, or lost with its agent); `signal` says why. */
  | { readonly kind: 'worker-gone'; readonly run: string; readonly rank: number; readonly signal: string }
  /** An agent was declared lost: every worker it ran is gone. */
  | { readonly kind: 'agent-lost'; readonly agent: string }
  /** Submit a queued Slurm trial with sbatch. */
  | { readonly kind: 'slurm-launch'; readonly trialId: number }
  /** Run a scheduling pass (capacity or demand changed). */
  | { readonly kind: 'reschedule' }
  /** The pass stopped at its time budget with decisions left: the next one runs on the next turn. */
  | { readonly kind: 'pass-cut-short' }
  | { readonly kind: 'log'; readonly line: string };

export type DaemonActionKind = DaemonAction['kind'];
