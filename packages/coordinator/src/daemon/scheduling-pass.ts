/**
 * Runs the pure scheduler over the store and turns its decisions into state and actions: places
 * trials (a new run: worker rows, start-workers to each agent with per-run CURVE keys where the gang
 * spans hosts), stops preempted or growing ones with a checkpoint, and hands Slurm trials to sbatch.
 */
import { ACTIVE_STATES, PENDING_STATES } from '../jobs/job-state.js';
import type { AgentView, Placement } from '../scheduler/cluster-view.js';
import { decide } from '../scheduler/schedule.js';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { StaleStateError } from '../store/store-errors.js';
import { runId } from './coordinator-types.js';
import type { DaemonAction } from './daemon-action.js';
import { activeJobs, pendingJobs } from './jobs-of-trials.js';
import { runCurveKeys } from './run-curve-keys.js';
import { workerLaunches } from './worker-env.js';
import { launchesByRank } from './peer-recoveries.js';
import type { ControlPlaneStats } from './control-plane-stats.js';

/** What a pass reads besides the store. */
export interface SchedulingState {
  readonly store: Store;
  /** After this long in the queue a trial stops being passed by backfill, ms. */
  readonly starvationMs: number;
  /** Told each pass's duration and what it saw. */
  readonly stats?: Pick<ControlPlaneStats, 'recordPass'>;
  /**
   * A pass stops making and applying decisions once it has run this long, ms, and the next pass goes on at once
   * (after one turn of the event loop; Slurm's `max_sched_time` alike): a burst of placements, each a
   * transaction and start messages, does not hold heartbeats and reports behind it. Absent: no limit.
   */
  readonly budgetMs?: number | undefined;
}

/**
 * One pass: the scheduler's decisions over the store's trials and `agents`. Placements are written
 * to the store here (so later decisions of the pass see them); what touches processes comes back as
 * actions: start-workers messages, stops with a checkpoint, sbatch submissions.
 */
export function schedulingPass(state: SchedulingState, agents: readonly AgentView[], now: number): DaemonAction[] {
  const started = performance.now();
  const { store } = state;
  const actions: DaemonAction[] = [];
  // Slurm trials: sbatch places them, not this scheduler.
  // (By id: which elastic trial grows first must not depend on the order rows were written.)
  const active = activeJobs(
    store.schedulingRows(ACTIVE_STATES).sort((a, b) => a.id - b.id),
    (t) => t.launcher !== 'slurm',
  );
  // Slurm trials are handed to sbatch (a `hand-off`), when their users' quotas allow.
  const pending = pendingJobs(store.schedulingRows(PENDING_STATES));
  if (pending.length === 0 && !active.some((a) => a.elastic)) return actions;
  let decided = 0;
  const quotas = store.accounts.quotas();
  for (const decision of decide({ agents, active, pending, ...(quotas.size > 0 ? { quotas } : {}) }, { now, starvationMs: state.starvationMs })) {
    // At least one decision a pass; those left over are made again by the next pass, on the state this one leaves.
    if (decided++ > 0 && state.budgetMs !== undefined && performance.now() - started >= state.budgetMs) {
      actions.push({ kind: 'pass-cut-short' });
      break;
    }
    const trial = store.trial(decision.trial);
    const stillThere =
      decision.kind === 'place' || decision.kind === 'hand-off'
        ? PENDING_STATES.includes(trial.state)
        : trial.state === 'running' || trial.state === 'scheduled';
    if (!stillThere) continue;
    try {
      switch (decision.kind) {
        case 'preempt':
          store.addEvent({
            experimentId: trial.experimentId,
            trialId: trial.id,
            kind: 'preempt',
            message: `trial ${trial.idx} preempted for trial ${decision.forTrial}`,
          });
          actions.push({ kind: 'request-stop', trialId: trial.id, target: 'preempted', cause: `preempted for trial ${decision.forTrial} of higher priority` });
          break;
        case 'grow':
          store.addEvent({
            experimentId: trial.experimentId,
            trialId: trial.id,
            kind: 'resize',
            message: `trial ${trial.idx}: slots free for ${decision.to} of its ${trial.workers} workers (running ${decision.from}); checkpointing to grow`,
          });
          actions.push({ kind: 'request-stop', trialId: trial.id, target: 'preempted', cause: `growing from ${decision.from} to ${decision.to} workers` });
          break;
        case 'place':
          actions.push(...place(store, trial, decision.placement, agents, now));
          break;
        case 'hand-off':
          actions.push({ kind: 'slurm-launch', trialId: trial.id });
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
  const slots = agents.reduce((sum, a) => sum + a.slots, 0);
  state.stats?.recordPass({ at: now, ms: performance.now() - started, pending: pending.length, active: active.length, agents: agents.length, slots });
  return actions;
}

/** A new run of `trial` on `placement`: its worker rows now; following the run and start-workers to each agent as actions. */
function place(store: Store, trial: TrialRow, placement: Placement, agents: readonly AgentView[], now: number): DaemonAction[] {
  if (placement.workers.length < trial.workers) {
    store.addEvent({
      experimentId: trial.experimentId,
      trialId: trial.id,
      kind: 'resize',
      message: `trial ${trial.idx}: free slots hold ${placement.workers.length} of its ${trial.workers} workers; running elastic at that size (min_workers ${trial.minWorkers})`,
    });
  }
  const attempt = trial.attempt + 1;
  const run = runId(trial.id, attempt);
  const placed = store.moveTrial(trial.id, trial.state, 'scheduled', `placed on ${[...new Set(placement.workers.map((w) => w.agent))].join(', ')}`, {
    attempt,
    placement,
    placedAt: now,
    stopTarget: null,
  });
  store.putWorkers(
    placement.workers.map((w) => ({
      run,
      trialId: trial.id,
      rank: w.rank,
      agent: w.agent,
      host: w.host,
      port: w.port,
      slots: w.slots,
      pid: null,
      state: 'starting',
      exitCode: null,
      exitSignal: null,
    })),
  );
  // Gradients that leave the machine travel CURVE-encrypted, with keys made for this run.
  const curve = runCurveKeys(placement.workers.map((w) => w.host));
  const peerRecovery = recoveryOf(placed.specJson) === 'peer';
  const launches = workerLaunches(run, placement, agents, curve, peerRecovery);
  const actions: DaemonAction[] = [{ kind: 'track-run', trialId: trial.id, launches: launchesByRank(launches.values()) }];
  for (const [agent, workers] of launches)
    actions.push({ kind: 'send', to: agent, message: { v: 1, type: 'start-workers', run, spec: placed.specJson, workers } });
  return actions;
}

/** The trial's fault_tolerance.recovery (its spec was validated at submission); undefined when it says none. */
function recoveryOf(specJson: string): unknown {
  const spec = JSON.parse(specJson) as { fault_tolerance?: { recovery?: unknown } };
  return spec.fault_tolerance?.recovery;
}
