/**
 * The coordinator's control loop. Inputs: agents' control frames (`receive`), users' requests (`submit`, `cancel`,
 * `pause`, `resume`) and a periodic `tick`. Decisions come from the pure scheduler and the transition table; every trial
 * state change is one store transaction with its event row. Sockets and timers stay outside (a ControlChannel and whoever
 * calls `tick`), so tests drive it with plain calls and a fake clock.
 *
 * A worker's life: place -> start-workers to its agent -> reports (scheduled -> running) -> exit. A non-zero exit, a
 * vanished worker or a lost agent restarts the trial from its last checkpoint (restarting -> queued, up to
 * fault_tolerance.max_restarts) on whatever capacity is left.
 *
 * Its parts, each in its own file: `admitFrame`, `AgentSessions` (registration, heartbeats, lost agents),
 * `schedulingPass`, `workerReport` (a report and what follows: stragglers, peer recovery, ASHA verdicts), `GoodputBook`,
 * `stopExperiment`/`resumeExperiment`, `SlurmRuns`, `rehearseFailure` (chaos), `checkSubmission`/`createSubmitted`,
 * `PeerRecoveries`, `overdueRuns`. They update the store and return `DaemonAction`s, which `apply` carries out.
 */
import type { ChaosAction, ExperimentSpec, WorkerLaunch } from '@orquesta/protocol';
import { ClusterMetrics } from '@orquesta/telemetry';
import { ACTIVE_STATES, PENDING_STATES, type StopTarget } from '../jobs/job-state.js';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import type { ControlChannel } from './control-channel.js';
import {
  runId,
  type ChaosTarget,
  type CoordinatorOptions,
  type PlanResult,
  type QueueOptions,
  type RunTracker,
  type SubmitResult,
} from './coordinator-types.js';
import { ADMIN_USER } from '../auth/roles.js';
import { SlurmRuns } from './slurm-runs.js';
import { rehearseFailure } from './rehearse-failure.js';
import { clusterSnapshot } from './cluster-snapshot.js';
import { describeExit } from '@orquesta/launch';
import { schedulingPass, type SchedulingState } from './scheduling-pass.js';
import type { DaemonAction } from './daemon-action.js';
import { AgentSessions } from './agent-sessions.js';
import { checkSubmission, createSubmitted, existsUnder, type SubmissionRules } from './submission.js';
import { admitFrame } from '../auth/admit-frame.js';
import { ReportFigures } from './report-figures.js';
import { workerReport, type ReportParts } from './worker-reports.js';
import { AshaSearches } from '../search/asha-searches.js';
import { planSpec } from './plan-spec.js';
import { recoverFromStore } from './recover-from-store.js';
import { runEnding, runOutcome } from './run-outcome.js';
import { StragglerWatch } from './straggler-watch.js';
import { GoodputBook } from './goodput-book.js';
import { resumeExperiment, stopExperiment } from './user-stops.js';
import { PeerRecoveries } from './peer-recoveries.js';
import { overdueRuns, type OverdueState } from './overdue-runs.js';
import { trackRun } from './run-tracker.js';
import { ControlPlaneStats } from './control-plane-stats.js';
import { RestartRecovery } from './restart-recovery.js';
import { PassLoop } from './pass-loop.js';

export class Coordinator {
  readonly store: Store;
  private readonly channel: ControlChannel;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly runs = new Map<string, RunTracker>();
  /** Agents that said hello to this coordinator process. */
  private readonly agents: AgentSessions;
  private readonly stopRequestedAt = new Map<number, number>();
  private readonly restart: RestartRecovery;
  private readonly passes: PassLoop;
  private readonly figures: ReportFigures;
  private readonly stragglers = new StragglerWatch();
  private readonly goodput: GoodputBook;
  private readonly recoveries: PeerRecoveries;
  private readonly reportParts: ReportParts;
  private readonly clusterMetrics: ClusterMetrics | undefined;
  private readonly scheduling: SchedulingState;
  private readonly overdue: OverdueState;
  /** Scheduling pass durations and heartbeat lags (`GET /api/stats`). */
  readonly stats = new ControlPlaneStats();
  /** Rendezvous rounds of Slurm-launched runs: rank -> (routing id, endpoint). */
  private readonly slurm: SlurmRuns | undefined;

  constructor(private readonly options: CoordinatorOptions) {
    this.store = options.store;
    this.channel = options.channel;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => {});
    this.slurm = options.slurm ? new SlurmRuns(options.slurm, { store: this.store, runs: this.runs, controlToken: options.controlToken }) : undefined;
    this.figures = new ReportFigures(this.store, options.metrics);
    this.goodput = new GoodputBook(this.store, this.figures);
    this.recoveries = new PeerRecoveries({ store: this.store, runs: this.runs, goodput: this.goodput, alive: () => this.agents.alive() });
    const searches = new AshaSearches(this.store);
    this.reportParts = { store: this.store, figures: this.figures, stragglers: this.stragglers, goodput: this.goodput, recoveries: this.recoveries, searches };
    this.scheduling = { store: this.store, starvationMs: options.starvationMs ?? 300_000, stats: this.stats, budgetMs: options.passBudgetMs };
    const [stopGraceMs, startTimeoutMs] = [options.stopGraceMs ?? 120_000, options.startTimeoutMs ?? 120_000];
    this.overdue = { store: this.store, stopRequestedAt: this.stopRequestedAt, stopGraceMs, startTimeoutMs };
    // Recovery: follow the store's active trials again; their agents have a grace period to report them.
    const active = recoverFromStore(this.store, this.now());
    const known = this.store.agents().map((a) => a.id);
    this.restart = new RestartRecovery(active, known, this.now(), options.recoveryGraceMs ?? 15_000);
    const [heartbeatMs, agentTimeoutMs] = [options.heartbeatMs ?? 1000, options.agentTimeoutMs ?? 5000];
    this.agents = new AgentSessions({ store: this.store, runs: this.runs, heartbeatMs, agentTimeoutMs, stallMs: options.stallMs ?? 0 });
    if (options.metrics) {
      const snapshot = () => clusterSnapshot(this.store.trialCounts(), this.store.schedulingRows(ACTIVE_STATES), this.agents.alive());
      this.clusterMetrics = new ClusterMetrics(options.metrics.meter, snapshot);
    }
    for (const trial of active) this.trackRun(trial);
    this.passes = new PassLoop(
      () => this.apply(schedulingPass(this.scheduling, this.agents.alive(), this.now())),
      options.defer ?? ((run, delayMs) => (delayMs > 0 ? setTimeout(run, delayMs) : setImmediate(run))),
      () => this.restart.waiting || !this.store.isOpen,
      options.passGapMs,
    );
  }

  // ---------------------------------------------------------------- user requests

  /** Validates a spec (YAML text) and queues one trial per search point. Never throws for a bad spec. */
  submit(specYaml: string, source: string, options: QueueOptions = {}): SubmitResult {
    const checked = checkSubmission(specYaml, source, this.submissionRules);
    return checked.ok ? this.queue(checked.spec, specYaml, options) : checked;
  }

  /** How `submit` checks specs (the API's thread checks them alike before `queue`). */
  get submissionRules(): SubmissionRules {
    const { baseDir, pathRoots } = this.options;
    return { ...(baseDir === undefined ? {} : { baseDir }), ...(pathRoots ? { pathRoots } : {}), slurm: this.slurm !== undefined };
  }

  /** Queues a spec that passed `checkSubmission` with these `submissionRules`: one trial per search point. */
  queue(spec: ExperimentSpec, specYaml: string, options: QueueOptions = {}): SubmitResult & { ok: true } {
    const taken = existsUnder(this.options.baseDir ?? process.cwd());
    const { priority, ...created } = createSubmitted(this.store, spec, specYaml, options, this.options.checkpointLayout, taken);
    this.log(`experiment ${created.id} (${spec.name}) submitted: ${created.trials.length} trial(s), priority ${priority}`);
    this.passes.soon();
    return { ok: true, ...created };
  }

  /**
   * Where a spec's gang would go now, without queueing it: a placement on today's free slots, or why
   * it must wait (busy slots) or can never run (more slots than the cluster has).
   */
  plan(specYaml: string, source: string, options: { workers?: number } = {}): PlanResult {
    const { baseDir } = this.options;
    return planSpec(this.store, this.agents.alive(), specYaml, source, { ...options, ...(baseDir === undefined ? {} : { baseDir }) });
  }

  /**
   * Rehearses a failure on a running experiment (`orquesta chaos`, see `rehearseFailure`), recorded as an event.
   * @returns what was done. @throws {NotFoundError} @throws {StateConflictError} nothing runs, or no such rank or node.
   */
  chaos(experimentId: number, action: ChaosAction | 'corrupt-checkpoint', target: ChaosTarget = {}, actor = ADMIN_USER): string {
    const { trialIdx, done, actions } = rehearseFailure(this.store, experimentId, action, target, this.options.baseDir ?? process.cwd());
    this.store.accounts.audit(actor, experimentId, `ran chaos ${action} on experiment ${experimentId} trial ${trialIdx}: ${done}`);
    this.apply([...actions, { kind: 'log', line: `chaos: experiment ${experimentId} trial ${trialIdx}: ${done}` }]);
    return done;
  }

  /** By `actor` (audited). @throws {NotFoundError} @throws {StateConflictError} nothing left to cancel. */
  cancel(experimentId: number, actor = ADMIN_USER): void {
    this.apply(stopExperiment(this.store, experimentId, 'cancelled', actor));
  }

  /** By `actor` (audited). @throws {NotFoundError} @throws {StateConflictError} nothing left to pause. */
  pause(experimentId: number, actor = ADMIN_USER): void {
    this.apply(stopExperiment(this.store, experimentId, 'paused', actor));
  }

  /** Paused trials, or one paused or stopped trial (by index). @throws {NotFoundError} @throws {StateConflictError} nothing to resume. */
  resume(experimentId: number, options: { trial?: number; actor?: string } = {}): void {
    this.apply(resumeExperiment(this.store, experimentId, this.now(), options.actor ?? ADMIN_USER, options.trial));
  }

  // ---------------------------------------------------------------- agents

  /** One control frame from an agent (the ROUTER's routing id). Malformed frames are rejected, never thrown. */
  receive(from: string, frame: Uint8Array): void {
    this.store.batchWrites(); // the writes of every frame of this turn share one transaction (committed on the next turn)
    const admitted = admitFrame(from, frame, this.options.controlToken, (id) => this.agents.has(id) || (this.slurm?.joined(id) ?? false));
    if (!admitted.ok) {
      this.log(admitted.log);
      if (admitted.reply !== undefined) this.channel.send(from, { v: 1, type: 'reject', reason: admitted.reply });
      return;
    }
    const message = admitted.message;
    if (message.type !== 'hello') this.agents.heard(from, this.now()); // any message proves it alive (a heartbeat may queue behind reports)
    switch (message.type) {
      case 'hello':
        this.apply(this.agents.hello(from, message, this.now()));
        if (this.restart.heard(from)) this.endRestartWait('every agent of the active trials registered again');
        return;
      case 'heartbeat':
        if (message.sentAt !== undefined) this.stats.recordHeartbeatLag(this.now() - message.sentAt);
        return this.apply(this.agents.heartbeat(from, message.running, this.now(), message.draining === true, message.sentAt));
      case 'worker-report':
        return this.apply(workerReport(this.reportParts, this.runs.get(message.run), message, this.now()));
      case 'worker-log': {
        const tracker = this.runs.get(message.run);
        if (tracker) this.store.addLogs(tracker.experimentId, tracker.trialId, message.rank, message.lines);
        return;
      }
      case 'worker-exited':
        this.onWorkerExit(message.run, message.rank, message.code, message.signal);
        return this.passes.soon();
      case 'rendezvous':
        if (this.slurm) this.apply(this.slurm.rendezvousJoin(from, message));
        else this.channel.send(from, { v: 1, type: 'reject', reason: 'this coordinator runs no Slurm jobs' });
        return;
      default: {
        const unreachable: never = message;
        this.log(`unhandled control message ${JSON.stringify(unreachable)}`);
      }
    }
  }

  // ---------------------------------------------------------------- failures and completion

  private onWorkerExit(run: string, rank: number, code: number | null, signal: string | null): void {
    const tracker = this.runs.get(run);
    if (!tracker || tracker.exited.has(rank)) return;
    tracker.exited.set(rank, { code, signal });
    this.store.workerExited(run, rank, code, signal);
    const trial = this.store.trial(tracker.trialId);
    if (runId(trial.id, trial.attempt) !== run) return;
    const how = code === null ? `signal ${signal ?? 'unknown'}` : `code ${code}`;
    this.store.addEvent({
      experimentId: trial.experimentId,
      trialId: trial.id,
      kind: 'worker-exit',
      message: `trial ${trial.idx} rank ${rank} exited with ${how}${tracker.lastError.get(rank) ? `: ${tracker.lastError.get(rank)}` : ''}`,
    });
    const allExited = tracker.exited.size === tracker.ranks;
    // Slurm decides a job's end (and may requeue it): the trial moves when squeue says the job ended.
    const slurm = trial.launcher === 'slurm';
    if (trial.state === 'scheduled' || trial.state === 'running') {
      const failed = code !== 0;
      const cause = failed ? describeExit(rank, { code, signal }, tracker.lastError.get(rank)) : `workers stopped before max_steps`;
      const replaced = failed ? this.recoveries.lost(trial, run, rank, cause, this.now()) : undefined;
      if (replaced) return this.apply(replaced);
      if (slurm) this.apply(failed && this.slurm ? this.slurm.release(trial, rank) : []);
      else if (failed || (allExited && runEnding(tracker) === 'failed')) this.restartRun(trial, run, cause);
      else if (allExited) return this.finishRun(tracker, this.store.trial(trial.id));
    }
    if (allExited && !slurm) this.finishRun(tracker, this.store.trial(trial.id));
  }

  /** A failed rank ends the run: every rank is killed and the trial restarts from its last checkpoint. */
  private restartRun(trial: TrialRow, run: string, cause: string): void {
    this.recoveries.forget(run);
    this.goodput.ended(trial, run, true, this.now());
    this.store.moveTrial(trial.id, trial.state, 'restarting', cause);
    this.stopRequestedAt.set(trial.id, this.now());
    this.sendStop(trial, 'kill');
  }

  /** Every worker of the trial's current run has exited: the trial moves as `runOutcome` says. */
  private finishRun(tracker: RunTracker, trial: TrialRow): void {
    const run = runId(trial.id, trial.attempt);
    this.stopRequestedAt.delete(trial.id);
    this.runs.delete(run);
    this.stragglers.forget(run);
    this.recoveries.forget(run);
    this.slurm?.forget(run);
    const ending = runEnding(tracker);
    this.goodput.ended(trial, run, ending === 'failed', this.now());
    this.figures.forget(run, trial);
    const outcome = runOutcome(trial, ending);
    if (!outcome) return;
    if (outcome.restart) this.clusterMetrics?.restart(this.figures.attributes(trial));
    this.store.moveTrial(trial.id, trial.state, outcome.to, outcome.cause, outcome.changes);
  }

  private requestStop(trial: TrialRow, target: StopTarget, cause: string): void {
    this.store.moveTrial(trial.id, trial.state, 'checkpointing', cause, { stopTarget: target });
    this.stopRequestedAt.set(trial.id, this.now());
    this.sendStop(trial, 'checkpoint');
  }

  private sendStop(trial: TrialRow, mode: 'checkpoint' | 'kill'): void {
    const run = runId(trial.id, trial.attempt);
    if (this.slurm?.owns(trial)) return this.applyLater(this.slurm.cancel(trial, mode));
    const agents = new Set((trial.placement?.workers ?? []).map((w) => w.agent));
    for (const agent of agents) this.channel.send(agent, { v: 1, type: 'stop-workers', run, mode });
  }

  // ---------------------------------------------------------------- time

  /** Periodic work: lost agents, overdue stops and starts, the end of recovery, scheduling. */
  tick(): void {
    this.store.batchWrites();
    const now = this.now();
    this.apply(this.agents.expire(now));
    this.apply(this.recoveries.expire(now));
    if (this.restart.due(now)) this.endRestartWait(`the grace period ended with ${this.restart.missing} agent(s) missing`);
    this.apply(overdueRuns(this.overdue, now));
    const polled = this.slurm?.poll(now);
    if (polled) this.applyLater(polled);
    this.reschedule();
  }

  /** Scheduling goes on after a restart; workers whose agent never came back to report them are gone. */
  private endRestartWait(why: string): void {
    this.log(`recovery after restart done: ${why}`);
    // (Slurm tasks are not agents: squeue decides their runs' end.)
    const lost = (w: { agent: string; state: string; trialId: number }) =>
      w.state !== 'exited' && !this.agents.has(w.agent) && this.store.trial(w.trialId).launcher !== 'slurm';
    this.exitWorkersWhere(lost, 'lost-during-coordinator-restart');
    this.passes.soon();
  }

  private exitWorkersWhere(pred: (w: { agent: string; state: string; trialId: number }) => boolean, signal: string): void {
    for (const [run, tracker] of [...this.runs])
      for (const worker of this.store.workers(run))
        if (worker.state !== 'exited' && !tracker.exited.has(worker.rank) && pred(worker)) this.onWorkerExit(run, worker.rank, null, signal);
  }

  // ---------------------------------------------------------------- scheduling

  /** One scheduling pass over the store now; applies its decisions. Idle while recovering from a restart. */
  reschedule(): void {
    this.passes.now();
  }

  // ---------------------------------------------------------------- actions of the parts

  private applyLater(later: Promise<DaemonAction[]>): void {
    later.then(
      (actions) => this.apply(actions),
      (error: Error) => this.log(`internal error applying a later action: ${error.message}`),
    );
  }

  /** Carries out what the parts (agent sessions, scheduling pass, Slurm runs) returned, in order. */
  private apply(actions: readonly DaemonAction[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case 'send':
          this.channel.send(action.to, action.message);
          break;
        case 'track-run': {
          const trial = this.store.trial(action.trialId);
          this.trackRun(trial, action.launches);
          this.goodput.placed(trial, runId(trial.id, trial.attempt), this.now());
          break;
        }
        case 'restart-run': {
          const trial = this.store.trial(action.trialId);
          if (trial.state === 'running' || trial.state === 'scheduled') this.restartRun(trial, runId(trial.id, trial.attempt), action.cause);
          break;
        }
        case 'drop-run':
          this.runs.delete(action.run);
          break;
        case 'finish-run': {
          const tracker = this.runs.get(action.run);
          if (tracker) this.finishRun(tracker, this.store.trial(tracker.trialId));
          break;
        }
        case 'request-stop': {
          const trial = this.store.trial(action.trialId);
          if (trial.state === 'running' || trial.state === 'scheduled') this.requestStop(trial, action.target, action.cause);
          break;
        }
        case 'stop-workers':
          this.sendStop(this.store.trial(action.trialId), action.mode);
          break;
        case 'worker-gone':
          this.onWorkerExit(action.run, action.rank, null, action.signal);
          break;
        case 'agent-lost':
          for (const w of this.store.liveWorkersOn(action.agent)) this.onWorkerExit(w.run, w.rank, null, 'agent-lost');
          break;
        case 'slurm-launch': {
          const trial = this.store.trial(action.trialId);
          if (!this.slurm || !PENDING_STATES.includes(trial.state)) break;
          const launched = this.slurm.launch(trial, this.now());
          this.apply(launched.actions);
          this.applyLater(launched.later);
          break;
        }
        case 'reschedule':
          this.passes.soon();
          break;
        case 'pass-cut-short':
          this.passes.next();
          break;
        case 'log':
          this.log(action.line);
          break;
        default: {
          const unreachable: never = action;
          this.log(`unknown daemon action ${JSON.stringify(unreachable)}`);
        }
      }
    }
  }

  private trackRun(trial: TrialRow, launches?: ReadonlyMap<number, WorkerLaunch>): void {
    const tracked = trackRun(this.store, trial, launches);
    if (tracked) this.runs.set(...tracked);
  }
}
