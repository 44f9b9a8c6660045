/**
 * Runs the pure scheduler over the store and applies its decisions: places trials (a new run:
 * worker rows, start-workers to each agent with per-run CURVE keys where the gang spans hosts),
 * stops preempted or growing ones with a checkpoint, and hands Slurm trials to sbatch. A call made
 * while a pass is applying its decisions (a message handled meanwhile) runs one more pass after it.
 */
import { ACTIVE_STATES, PENDING_STATES, type StopTarget } from '../jobs/job-state.js';
import type { AgentView, Placement } from '../scheduler/cluster-view.js';
import { schedule } from '../scheduler/schedule.js';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { StaleStateError } from '../store/store-errors.js';
import type { ControlChannel } from './control-channel.js';
import { runId } from './coordinator-types.js';
import { activeJobs, minWorkersOf, pendingJobs } from './jobs-of-trials.js';
import { runCurveKeys } from './run-curve-keys.js';
import type { SlurmRuns } from './slurm-runs.js';
import { workerLaunches } from './worker-env.js';

/** What a pass needs from the coordinator that hosts it. */
export interface SchedulingHost {
  readonly store: Store;
  readonly channel: ControlChannel;
  readonly slurm: SlurmRuns | undefined;
  /** After this long in the queue a trial stops being passed by backfill, ms. */
  readonly starvationMs: number;
  now(): number;
  /** Registered, alive agents. */
  agents(): AgentView[];
  /** Asks a running trial's workers to checkpoint and stop; the trial then goes to `target`. */
  requestStop(trial: TrialRow, target: StopTarget, cause: string): void;
  /** Starts following a newly placed run's workers. */
  trackRun(trial: TrialRow): void;
}

export class SchedulingPass {
  private running = false;
  private again = false;

  constructor(private readonly host: SchedulingHost) {}

  run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        this.pass();
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  private isSlurm(trial: TrialRow): boolean {
    return this.host.slurm?.owns(trial) ?? false;
  }

  private pass(): void {
    const { store } = this.host;
    const agents = this.host.agents();
    const active = activeJobs(store.trialsIn(ACTIVE_STATES), (t) => !this.isSlurm(t));
    const waiting = store.trialsIn(PENDING_STATES);
    for (const trial of waiting.filter((t) => this.isSlurm(t))) this.host.slurm?.launch(trial);
    const pending = pendingJobs(waiting.filter((t) => !this.isSlurm(t)));
    if (pending.length === 0 && !active.some((a) => a.elastic)) return;
    for (const decision of schedule({ agents, active, pending }, { now: this.host.now(), starvationMs: this.host.starvationMs })) {
      const trial = store.trial(decision.trial);
      const stillThere = decision.kind === 'place' ? PENDING_STATES.includes(trial.state) : trial.state === 'running' || trial.state === 'scheduled';
      if (!stillThere) continue;
      try {
        switch (decision.kind) {
          case 'preempt':
            store.addEvent({ experimentId: trial.experimentId, trialId: trial.id, kind: 'preempt', message: `trial ${trial.idx} preempted for trial ${decision.forTrial}` });
            this.host.requestStop(trial, 'preempted', `preempted for trial ${decision.forTrial} of higher priority`);
            break;
          case 'grow':
            store.addEvent({ experimentId: trial.experimentId, trialId: trial.id, kind: 'resize', message: `trial ${trial.idx}: slots free for ${decision.to} of its ${trial.workers} workers (running ${decision.from}); checkpointing to grow` });
            this.host.requestStop(trial, 'preempted', `growing from ${decision.from} to ${decision.to} workers`);
            break;
          case 'place':
            this.place(trial, decision.placement, agents);
            break;
          default: {
            const unreachable: never = decision;
            throw new TypeError(`unknown scheduling decision ${JSON.stringify(unreachable)}`);
          }
        }
      } catch (error) {
        if (error instanceof StaleStateError) continue;
        throw error;
      }
    }
  }

  /** A new run of `trial` on `placement`: its worker rows, then start-workers to each agent. */
  private place(trial: TrialRow, placement: Placement, agents: readonly AgentView[]): void {
    const { store } = this.host;
    if (placement.workers.length < trial.workers) {
      store.addEvent({
        experimentId: trial.experimentId,
        trialId: trial.id,
        kind: 'resize',
        message: `trial ${trial.idx}: free slots hold ${placement.workers.length} of its ${trial.workers} workers; running elastic at that size (min_workers ${minWorkersOf(trial)})`,
      });
    }
    const attempt = trial.attempt + 1;
    const run = runId(trial.id, attempt);
    const placed = store.moveTrial(trial.id, trial.state, 'scheduled', `placed on ${[...new Set(placement.workers.map((w) => w.agent))].join(', ')}`, {
      attempt,
      placement,
      placedAt: this.host.now(),
      stopTarget: null,
    });
    store.putWorkers(placement.workers.map((w) => ({ run, trialId: trial.id, rank: w.rank, agent: w.agent, host: w.host, port: w.port, slots: w.slots, pid: null, state: 'starting', exitCode: null, exitSignal: null })));
    this.host.trackRun(placed);
    // Gradients that leave the machine travel CURVE-encrypted, with keys made for this run.
    const curve = runCurveKeys(placement.workers.map((w) => w.host));
    for (const [agent, workers] of workerLaunches(run, placement, agents, curve)) this.host.channel.send(agent, { v: 1, type: 'start-workers', run, spec: placed.specJson, workers });
  }
}
