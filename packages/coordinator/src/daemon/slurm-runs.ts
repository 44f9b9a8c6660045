/**
 * The trials that run under Slurm (`resources.launcher: slurm`): each attempt is one sbatch job;
 * its tasks join a rendezvous here and get every rank's endpoint (and CURVE keys across nodes); the
 * trial's placement then lists each rank's task (its routing id as the worker's `agent`), where peer
 * recovery's orders go; squeue is polled to follow requeues and to end the run when the job ends. Calls write the store and
 * return actions (sbatch's and squeue's answers later, as promises of actions) the coordinator applies.
 */
import type { AgentMessage } from '@orquesta/protocol';
import { ACTIVE_STATES } from '../jobs/job-state.js';
import { writeSlurmAttempt } from '../slurm/slurm-attempt.js';
import type { SlurmJob } from '../slurm/slurm-client.js';
import { slurmJobUpdate } from '../slurm/slurm-job-update.js';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { runId, type RunTracker, type SlurmLaunchOptions } from './coordinator-types.js';
import type { DaemonAction } from './daemon-action.js';
import { describeExit } from '@orquesta/launch';
import { RendezvousRounds } from './rendezvous-rounds.js';
import { runEnding } from './run-outcome.js';
import { runCurveKeys } from './run-curve-keys.js';

/** What SlurmRuns reads and writes besides its own bookkeeping. */
export interface SlurmRunsState {
  readonly store: Store;
  /** The coordinator's runs being followed; a requeue resets a run's exits here. */
  readonly runs: ReadonlyMap<string, RunTracker>;
  readonly controlToken: string | undefined;
}

/** What an sbatch submission does now, and what its answer does later. */
export interface SlurmLaunch {
  readonly actions: DaemonAction[];
  readonly later: Promise<DaemonAction[]>;
}

export class SlurmRuns {
  private readonly rendezvous = new RendezvousRounds();
  /** Slurm requeue counts seen per run. */
  private readonly restarts = new Map<string, number>();
  private polledAt = 0;
  private polling = false;

  constructor(
    private readonly options: SlurmLaunchOptions,
    private readonly state: SlurmRunsState,
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
  cancel(trial: TrialRow, mode: 'checkpoint' | 'kill'): Promise<DaemonAction[]> {
    const job = trial.placement?.slurmJob;
    if (!job) return Promise.resolve([]);
    return this.options.client.cancel(job, mode === 'checkpoint' ? 'TERM' : undefined).then(
      () => [],
      (error: unknown) => [{ kind: 'log', line: `scancel ${job}: ${(error as Error).message}` }],
    );
  }

  /** A Slurm task joins its run; once every rank has, each gets all endpoints in rank order. */
  rendezvousJoin(from: string, m: Extract<AgentMessage, { type: 'rendezvous' }>): DaemonAction[] {
    const tracker = this.state.runs.get(m.run);
    if (!tracker || tracker.ranks !== m.worldSize) {
      return [
        {
          kind: 'send',
          to: from,
          message: { v: 1, type: 'reject', reason: tracker ? `run ${m.run} has ${tracker.ranks} ranks, not ${m.worldSize}` : `no active run ${m.run}` },
        },
      ];
    }
    const [host, port] = m.endpoint.replace('tcp://', '').split(/:(?=\d+$)/);
    this.state.store.putWorkers([
      {
        run: m.run,
        trialId: tracker.trialId,
        rank: m.rank,
        agent: from,
        host: host ?? '',
        port: Number(port),
        slots: [],
        pid: null,
        state: 'running',
        exitCode: null,
        exitSignal: null,
      },
    ]);
    const members = this.rendezvous.join(m.run, m.worldSize, m.rank, { from, endpoint: m.endpoint });
    if (!members) return [];
    const endpoints = members.map((member) => member.endpoint);
    const hosts = endpoints.map((e) => e.replace('tcp://', '').replace(/:\d+$/, ''));
    const workers = members.map((member, rank) => ({
      rank,
      agent: member.from,
      host: hosts[rank] ?? '',
      port: Number(/:(\d+)$/.exec(member.endpoint)?.[1]),
      slots: [],
      localRank: hosts.slice(0, rank).filter((h) => h === hosts[rank]).length,
      localWorldSize: hosts.filter((h) => h === hosts[rank]).length,
    }));
    this.state.store.updatePlacement(tracker.trialId, { workers, slurmJob: this.state.store.trial(tracker.trialId).placement?.slurmJob ?? null });
    // A replacement starts in its rank's task with the task's own setup: the launch adds nothing.
    tracker.launches = new Map(workers.map((w) => [w.rank, { rank: w.rank, env: {} }]));
    // Tasks on several nodes: their gradients get CURVE with key pairs made for this round.
    const curve = runCurveKeys(endpoints.map((e) => e.replace(/:\d+$/, '')));
    this.state.store.addEvent({
      experimentId: tracker.experimentId,
      trialId: tracker.trialId,
      kind: 'rendezvous',
      message: `run ${m.run}: ${members.length} Slurm task(s) joined: ${endpoints.join(', ')}`,
    });
    return members.map((member, rank) => ({
      kind: 'send',
      to: member.from,
      message: {
        v: 1,
        type: 'peers',
        run: m.run,
        endpoints,
        ...(curve ? { curve: { publicKeys: curve.publicKeys, secretKey: curve.secretKeys[rank] ?? '' } } : {}),
      },
    }));
  }

  /**
   * Rank `rank` failed and is not replaced: its task (waiting for an answer under peer recovery) is told
   * to end, so srun ends the job step and the trial restarts from its checkpoint when squeue says so.
   */
  release(trial: TrialRow, rank: number): DaemonAction[] {
    const task = trial.placement?.workers.find((w) => w.rank === rank)?.agent;
    if (!task) return [];
    return [{ kind: 'send', to: task, message: { v: 1, type: 'stop-workers', run: runId(trial.id, trial.attempt), mode: 'kill', rank } }];
  }

  /** Submits a pending Slurm trial as one sbatch job (one task per worker). */
  launch(trial: TrialRow, now: number): SlurmLaunch {
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
      ...(this.state.controlToken ? { token: this.state.controlToken } : {}),
      ...(slurm.controlKey ? { controlKey: slurm.controlKey } : {}),
      ...(slurm.taskKeys ? { taskKeys: slurm.taskKeys } : {}),
    });
    const { store } = this.state;
    store.moveTrial(trial.id, trial.state, 'scheduled', 'submitting to Slurm', {
      attempt,
      placement: { workers: [], slurmJob: null },
      placedAt: now,
      stopTarget: null,
    });
    const later = slurm.client.submit(script).then(
      (job): DaemonAction[] => {
        const current = store.trial(trial.id);
        store.updatePlacement(trial.id, { workers: current.placement?.workers ?? [], slurmJob: job });
        store.addEvent({
          experimentId: trial.experimentId,
          trialId: trial.id,
          kind: 'slurm-submit',
          message: `trial ${trial.idx}: run ${run} is Slurm job ${job} (${trial.workers} task(s))`,
        });
        // Stopped while sbatch was answering: cancel the job now that it has an id.
        if (runId(current.id, current.attempt) !== run || !['scheduled', 'running'].includes(current.state))
          return [{ kind: 'stop-workers', trialId: trial.id, mode: current.state === 'checkpointing' ? 'checkpoint' : 'kill' }];
        return [];
      },
      (error: unknown): DaemonAction[] => {
        const current = store.trial(trial.id);
        if (runId(current.id, current.attempt) !== run || !ACTIVE_STATES.includes(current.state)) return [];
        if (current.state === 'scheduled')
          store.moveTrial(current.id, 'scheduled', 'failed', `sbatch refused the job: ${(error as Error).message}`, { placement: null, placedAt: null });
        return [{ kind: 'drop-run', run }];
      },
    );
    return { actions: [{ kind: 'track-run', trialId: trial.id }], later };
  }

  /** Asks squeue (at most every pollMs); its answer's actions, or undefined when no poll is due. */
  poll(now: number): Promise<DaemonAction[]> | undefined {
    const slurm = this.options;
    if (this.polling || now - this.polledAt < (slurm.pollMs ?? 2000)) return undefined;
    if (!this.state.store.trialsIn(ACTIVE_STATES).some((t) => this.owns(t) && t.placement?.slurmJob)) return undefined;
    this.polledAt = now;
    this.polling = true;
    return slurm.client
      .jobs()
      .then((jobs) => this.onJobs(jobs, now))
      .catch((error: unknown): DaemonAction[] => [{ kind: 'log', line: `squeue: ${(error as Error).message}` }])
      .finally(() => {
        this.polling = false;
      });
  }

  /** Applies squeue's view: requeues reset a run's exits; an ended job ends its run. */
  onJobs(jobs: readonly SlurmJob[], now: number): DaemonAction[] {
    const { store, runs } = this.state;
    const actions: DaemonAction[] = [];
    for (const trial of store.trialsIn(ACTIVE_STATES)) {
      const id = trial.placement?.slurmJob;
      if (!this.owns(trial) || !id) continue;
      const run = runId(trial.id, trial.attempt);
      const tracker = runs.get(run);
      if (!tracker) continue;
      const job = jobs.find((j) => j.id === id);
      const update = slurmJobUpdate(id, job, this.restarts.get(run) ?? 0, now - (trial.placedAt ?? now));
      if (update.requeued !== undefined) {
        this.restarts.set(run, update.requeued);
        tracker.exited.clear();
        delete tracker.doneReason;
        store.addEvent({
          experimentId: trial.experimentId,
          trialId: trial.id,
          kind: 'slurm-requeue',
          message: `trial ${trial.idx}: Slurm requeued job ${id} (requeue ${update.requeued}, ${job?.reason ?? ''}); its tasks start again from ${trial.lastCheckpoint ?? 'step 0'}`,
        });
      }
      if (trial.state === 'scheduled' && update.running && tracker.exited.size === 0)
        store.moveTrial(trial.id, 'scheduled', 'running', `Slurm job ${id} running on ${job?.nodes ?? ''}`);
      if (update.ended) actions.push(this.endRun(store.trial(trial.id), tracker, update.ended.state, update.ended.cause));
    }
    actions.push({ kind: 'reschedule' });
    return actions;
  }

  private endRun(trial: TrialRow, tracker: RunTracker, state: string, cause: string): DaemonAction {
    const { store } = this.state;
    const run = runId(trial.id, trial.attempt);
    for (let rank = 0; rank < tracker.ranks; rank++)
      if (!tracker.exited.has(rank)) tracker.exited.set(rank, state === 'COMPLETED' ? { code: 0, signal: null } : { code: null, signal: `slurm-${state}` });
    for (const [rank, e] of tracker.exited) store.workerExited(run, rank, e.code, e.signal);
    // All tasks stopped cleanly on a notice (--signal, a preemption): finishing the run makes the trial preempted.
    if ((trial.state === 'scheduled' || trial.state === 'running') && runEnding(tracker) === 'failed') {
      const failure = [...tracker.exited.entries()].find(([, e]) => e.code !== 0);
      const detail = failure ? `; ${describeExit(failure[0], failure[1], tracker.lastError.get(failure[0]))}` : '';
      store.moveTrial(trial.id, trial.state, 'restarting', `${cause}${detail}`);
    }
    return { kind: 'finish-run', run };
  }

  /** Whether a trial runs under Slurm. */
  owns(trial: Pick<TrialRow, 'launcher'>): boolean {
    return trial.launcher === 'slurm';
  }
}
