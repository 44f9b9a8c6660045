/**
 * The trials that run under Slurm (`resources.launcher: slurm`): each attempt is one sbatch job;
 * its tasks join a rendezvous here and get every rank's endpoint (and CURVE keys across nodes);
 * squeue is polled to follow requeues and to end the run when the job ends. Trial state changes go
 * through the coordinator (the host), which owns the run trackers and the transition rules.
 */
import type { AgentMessage, ExperimentSpec } from '@orquesta/protocol';
import { ACTIVE_STATES } from '../jobs/job-state.js';
import { writeSlurmAttempt } from '../slurm/slurm-attempt.js';
import type { SlurmJob } from '../slurm/slurm-client.js';
import { slurmJobUpdate } from '../slurm/slurm-job-update.js';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import type { ControlChannel } from './control-channel.js';
import { runId, type RunTracker, type SlurmLaunchOptions } from './coordinator-types.js';
import { describeExit } from '@orquesta/launch';
import { RendezvousRounds } from './rendezvous-rounds.js';
import { runCurveKeys } from './run-curve-keys.js';

/** What SlurmRuns needs from the coordinator. */
export interface SlurmRunsHost {
  readonly store: Store;
  readonly channel: ControlChannel;
  readonly controlToken: string | undefined;
  now(): number;
  log(line: string): void;
  tracker(run: string): RunTracker | undefined;
  dropTracker(run: string): void;
  trackRun(trial: TrialRow): void;
  finishRun(tracker: RunTracker, trial: TrialRow): void;
  sendStop(trial: TrialRow, mode: 'checkpoint' | 'kill'): void;
  reschedule(): void;
}

export class SlurmRuns {
  private readonly rendezvous = new RendezvousRounds();
  /** Slurm requeue counts seen per run. */
  private readonly restarts = new Map<string, number>();
  /** Trial id -> runs under Slurm (a trial's spec never changes, so it is parsed once). */
  private readonly trials = new Map<number, boolean>();
  private polledAt = 0;
  private polling = false;

  constructor(
    private readonly options: SlurmLaunchOptions,
    private readonly host: SlurmRunsHost,
  ) {}

  /** Whether this routing id is a Slurm task that joined a rendezvous (it may then report). */
  joined(from: string): boolean {
    return this.rendezvous.has(from);
  }

  forget(run: string): void {
    this.rendezvous.forget(run);
    this.restarts.delete(run);
  }

  /** Stops a trial's job: TERM (checkpoint and stop) or kill. Without a job id yet, the sbatch answer cancels it. */
  cancel(trial: TrialRow, mode: 'checkpoint' | 'kill'): void {
    const job = trial.placement?.slurmJob;
    if (job) this.options.client.cancel(job, mode === 'checkpoint' ? 'TERM' : undefined).catch((error: unknown) => this.host.log(`scancel ${job}: ${(error as Error).message}`));
  }

  /** A Slurm task joins its run; once every rank has, each gets all endpoints in rank order. */
  rendezvousJoin(from: string, m: Extract<AgentMessage, { type: 'rendezvous' }>): void {
    const tracker = this.host.tracker(m.run);
    if (!tracker || tracker.ranks !== m.worldSize) {
      this.host.channel.send(from, { v: 1, type: 'reject', reason: tracker ? `run ${m.run} has ${tracker.ranks} ranks, not ${m.worldSize}` : `no active run ${m.run}` });
      return;
    }
    const [host, port] = m.endpoint.replace('tcp://', '').split(/:(?=\d+$)/);
    this.host.store.putWorkers([{ run: m.run, trialId: tracker.trialId, rank: m.rank, agent: 'slurm', host: host ?? '', port: Number(port), slots: [], pid: null, state: 'running', exitCode: null, exitSignal: null }]);
    const members = this.rendezvous.join(m.run, m.worldSize, m.rank, { from, endpoint: m.endpoint });
    if (!members) return;
    const endpoints = members.map((member) => member.endpoint);
    // Tasks on several nodes: their gradients get CURVE with key pairs made for this round.
    const curve = runCurveKeys(endpoints.map((e) => e.replace(/:\d+$/, '')));
    members.forEach((member, rank) => this.host.channel.send(member.from, { v: 1, type: 'peers', run: m.run, endpoints, ...(curve ? { curve: { publicKeys: curve.publicKeys, secretKey: curve.secretKeys[rank] ?? '' } } : {}) }));
    this.host.store.addEvent({ experimentId: tracker.experimentId, trialId: tracker.trialId, kind: 'rendezvous', message: `run ${m.run}: ${members.length} Slurm task(s) joined: ${endpoints.join(', ')}` });
  }

  /** Submits a pending Slurm trial as one sbatch job (one task per worker). */
  launch(trial: TrialRow): void {
    const slurm = this.options;
    const attempt = trial.attempt + 1;
    const run = runId(trial.id, attempt);
    const script = writeSlurmAttempt({
      stateDir: slurm.stateDir,
      run,
      trialId: trial.id,
      specJson: trial.specJson,
      workdir: slurm.workdir,
      node: slurm.node ?? process.execPath,
      cli: slurm.cli,
      control: slurm.control,
      ...(this.host.controlToken ? { token: this.host.controlToken } : {}),
      ...(slurm.controlKey ? { controlKey: slurm.controlKey } : {}),
      ...(slurm.taskKeys ? { taskKeys: slurm.taskKeys } : {}),
    });
    const placed = this.host.store.moveTrial(trial.id, trial.state, 'scheduled', 'submitting to Slurm', { attempt, placement: { workers: [], slurmJob: null }, placedAt: this.host.now(), stopTarget: null });
    this.host.trackRun(placed);
    slurm.client.submit(script).then(
      (job) => {
        const now = this.host.store.trial(trial.id);
        this.host.store.updatePlacement(trial.id, { workers: [], slurmJob: job });
        this.host.store.addEvent({ experimentId: trial.experimentId, trialId: trial.id, kind: 'slurm-submit', message: `trial ${trial.idx}: run ${run} is Slurm job ${job} (${trial.workers} task(s))` });
        if (runId(now.id, now.attempt) !== run || !['scheduled', 'running'].includes(now.state)) this.host.sendStop(this.host.store.trial(trial.id), now.state === 'checkpointing' ? 'checkpoint' : 'kill');
      },
      (error: unknown) => {
        const now = this.host.store.trial(trial.id);
        if (runId(now.id, now.attempt) !== run || !ACTIVE_STATES.includes(now.state)) return;
        if (now.state === 'scheduled') this.host.store.moveTrial(now.id, 'scheduled', 'failed', `sbatch refused the job: ${(error as Error).message}`, { placement: null, placedAt: null });
        this.host.dropTracker(run);
      },
    );
  }

  /** Asks squeue (at most every pollMs) and moves Slurm trials whose job was requeued or ended. */
  poll(now: number): void {
    const slurm = this.options;
    if (this.polling || now - this.polledAt < (slurm.pollMs ?? 2000)) return;
    if (!this.host.store.trialsIn(ACTIVE_STATES).some((t) => this.owns(t) && t.placement?.slurmJob)) return;
    this.polledAt = now;
    this.polling = true;
    slurm.client
      .jobs()
      .then((jobs) => this.onJobs(jobs))
      .catch((error: unknown) => this.host.log(`squeue: ${(error as Error).message}`))
      .finally(() => {
        this.polling = false;
      });
  }

  /** Applies squeue's view: requeues reset a run's exits; an ended job ends its run. */
  onJobs(jobs: readonly SlurmJob[]): void {
    for (const trial of this.host.store.trialsIn(ACTIVE_STATES)) {
      const id = trial.placement?.slurmJob;
      if (!this.owns(trial) || !id) continue;
      const run = runId(trial.id, trial.attempt);
      const tracker = this.host.tracker(run);
      if (!tracker) continue;
      const job = jobs.find((j) => j.id === id);
      const update = slurmJobUpdate(id, job, this.restarts.get(run) ?? 0, this.host.now() - (trial.placedAt ?? this.host.now()));
      if (update.requeued !== undefined) {
        this.restarts.set(run, update.requeued);
        tracker.exited.clear();
        delete tracker.doneReason;
        this.host.store.addEvent({ experimentId: trial.experimentId, trialId: trial.id, kind: 'slurm-requeue', message: `trial ${trial.idx}: Slurm requeued job ${id} (requeue ${update.requeued}, ${job?.reason ?? ''}); its tasks start again from ${trial.lastCheckpoint ?? 'step 0'}` });
      }
      if (trial.state === 'scheduled' && update.running && tracker.exited.size === 0) this.host.store.moveTrial(trial.id, 'scheduled', 'running', `Slurm job ${id} running on ${job?.nodes ?? ''}`);
      if (update.ended) this.endRun(this.host.store.trial(trial.id), tracker, update.ended.state, update.ended.cause);
    }
    this.host.reschedule();
  }

  private endRun(trial: TrialRow, tracker: RunTracker, state: string, cause: string): void {
    const run = runId(trial.id, trial.attempt);
    for (let rank = 0; rank < tracker.ranks; rank++) if (!tracker.exited.has(rank)) tracker.exited.set(rank, state === 'COMPLETED' ? { code: 0, signal: null } : { code: null, signal: `slurm-${state}` });
    for (const [rank, e] of tracker.exited) this.host.store.workerExited(run, rank, e.code, e.signal);
    const clean = [...tracker.exited.values()].every((e) => e.code === 0) && tracker.doneReason === 'max_steps';
    if ((trial.state === 'scheduled' || trial.state === 'running') && !clean) {
      const failure = [...tracker.exited.entries()].find(([, e]) => e.code !== 0);
      const detail = failure ? `; ${describeExit(failure[0], failure[1], tracker.lastError.get(failure[0]))}` : '';
      this.host.store.moveTrial(trial.id, trial.state, 'restarting', `${cause}${detail}`);
    }
    this.host.finishRun(tracker, this.host.store.trial(trial.id));
  }

  /** Whether a trial runs under Slurm. */
  owns(trial: TrialRow): boolean {
    let slurm = this.trials.get(trial.id);
    if (slurm === undefined) {
      slurm = (JSON.parse(trial.specJson) as ExperimentSpec).resources.launcher === 'slurm';
      this.trials.set(trial.id, slurm);
    }
    return slurm;
  }
}
