/**
 * Peer recovery (fault_tolerance.recovery: peer): when a rank of a running trial is lost, the other
 * ranks keep their state, a replacement starts in the lost rank's slot, and the coordinator orders the
 * run's workers (through their agents, `regroup-workers`) from one process group generation to the next:
 *
 *   rank lost --start the replacement, order survivors to `leave`--> forming (generation g+1)
 *   forming --every rank reported `regroup` for g+1 (survivors: left, holding state; replacement:
 *   loaded)--> order `join` --rank 0 reports `recovered`--> running on generation g+1
 *   forming --deadline (replacement_timeout_s), a second loss after the join order, or a survivor
 *   giving up--> restart from the checkpoint (`restart-run`)
 *
 * A rank lost while the trial cannot recover this way (recovery checkpoint, one worker, a sharded
 * optimizer, a Slurm launch, its agent gone or draining, max_replacements used, every rank lost) takes
 * the checkpoint path: `lost` answers undefined. A broken group whose ranks all report `regroup` without
 * a lost rank (a transient network fault) forms again without a replacement.
 *
 * State lives in memory: after a coordinator restart a loss takes the checkpoint path.
 */
import { ENV, parseWorkerSpec, type WorkerLaunch, type WorkerReport } from '@orquesta/protocol';
import type { AgentView } from '../scheduler/cluster-view.js';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { runId, type RunTracker } from './coordinator-types.js';
import type { DaemonAction } from './daemon-action.js';
import type { GoodputBook } from './goodput-book.js';

type Regroup = Extract<WorkerReport, { type: 'regroup' }>;
type Recovered = Extract<WorkerReport, { type: 'recovered' }>;

interface Forming {
  /** The generation being formed. */
  readonly next: number;
  /** Ranks being replaced. */
  readonly replacing: Set<number>;
  /** ms the first loss was seen, and when the recovery must have finished. */
  readonly since: number;
  readonly deadline: number;
  joinOrdered: boolean;
}

interface RunGroups {
  /** The generation the run's workers are in (0 at start). */
  generation: number;
  forming: Forming | undefined;
  /** `regroup` reports by the generation they are ready for, then rank (a survivor may report before its peer's exit arrives). */
  readonly ready: Map<number, Map<number, Regroup>>;
}

export interface PeerRecoveriesState {
  readonly store: Store;
  readonly runs: ReadonlyMap<string, RunTracker>;
  /** Told when a rank is lost (the goodput segment is cut) and when the group formed again. */
  readonly goodput: Pick<GoodputBook, 'interrupted' | 'recovered'>;
  /** Replacements started per trial (for max_replacements), kept across the trial's attempts. */
  readonly replacements?: Map<number, number>;
}

export class PeerRecoveries {
  private readonly groups = new Map<string, RunGroups>();
  private readonly replacements: Map<number, number>;

  constructor(private readonly state: PeerRecoveriesState) {
    this.replacements = state.replacements ?? new Map();
  }

  /** A recovery of `run` is under way (its workers are not all in one group). */
  forming(run: string): boolean {
    return this.groups.get(run)?.forming !== undefined;
  }

  /**
   * Rank `rank` of `run` was lost (`cause` says how). Returns the actions that replace it, or undefined
   * when the trial must restart from its checkpoint instead (the caller does that).
   */
  lost(trial: TrialRow, run: string, rank: number, cause: string, alive: readonly AgentView[], now: number): DaemonAction[] | undefined {
    const tracker = this.state.runs.get(run);
    const worker = trial.placement?.workers.find((w) => w.rank === rank);
    const launch = tracker?.launches?.get(rank);
    const spec = parseWorkerSpec(trial.specJson, `trial ${trial.id}`);
    const groups = this.groups.get(run) ?? { generation: 0, forming: undefined, ready: new Map() };
    const used = this.replacements.get(trial.id) ?? 0;
    const survivors = tracker ? range(tracker.ranks).filter((r) => !tracker.exited.has(r) && !groups.forming?.replacing.has(r) && r !== rank) : [];
    const gaveUp = groups.forming !== undefined && groups.ready.get(groups.forming.next)?.get(rank)?.holds === true;
    if (
      spec.fault_tolerance.recovery !== 'peer' ||
      trial.state !== 'running' ||
      runId(trial.id, trial.attempt) !== run ||
      !tracker ||
      !worker ||
      !launch ||
      spec.optimizer.shard ||
      used >= spec.fault_tolerance.max_replacements ||
      !alive.some((a) => a.id === worker.agent) ||
      survivors.length === 0 ||
      groups.forming?.joinOrdered === true ||
      gaveUp
    ) {
      this.groups.delete(run);
      return undefined;
    }
    if (groups.forming === undefined) {
      groups.forming = {
        next: groups.generation + 1,
        replacing: new Set(),
        since: now,
        deadline: now + spec.fault_tolerance.replacement_timeout_s * 1000,
        joinOrdered: false,
      };
      this.state.goodput.interrupted(trial, run, now);
    }
    const forming = groups.forming;
    forming.replacing.add(rank);
    groups.ready.get(forming.next)?.delete(rank);
    this.groups.set(run, groups);
    this.replacements.set(trial.id, used + 1);
    tracker.exited.delete(rank);
    const { store } = this.state;
    store.putWorkers([{ ...worker, run, trialId: trial.id, pid: null, state: 'starting', exitCode: null, exitSignal: null }]);
    store.addEvent({
      experimentId: trial.experimentId,
      trialId: trial.id,
      kind: 'peer-recovery',
      message: `trial ${trial.idx}: ${cause}; ${describe(survivors)} keep${survivors.length === 1 ? 's' : ''} its state; replacing rank ${rank} on ${worker.agent} (process group ${forming.next}, replacement ${used + 1} of at most ${spec.fault_tolerance.max_replacements})`,
    });
    const env = { ...launch.env, [ENV.recovery]: 'peer', [ENV.replacement]: String(forming.next) };
    return [
      { kind: 'send', to: worker.agent, message: { v: 1, type: 'start-workers', run, spec: trial.specJson, workers: [{ rank, env }] } },
      ...this.order(trial, run, survivors, forming.next, 'leave'),
    ];
  }

  /** A `regroup` or `recovered` report from rank `rank` of `run`. */
  reported(trial: TrialRow, run: string, rank: number, report: Regroup | Recovered, now: number): DaemonAction[] {
    const tracker = this.state.runs.get(run);
    if (!tracker || trial.state !== 'running' || runId(trial.id, trial.attempt) !== run) return [];
    const groups = this.groups.get(run) ?? { generation: 0, forming: undefined, ready: new Map() };
    this.groups.set(run, groups);
    if (report.type === 'recovered') {
      const forming = groups.forming;
      if (forming === undefined || report.generation !== forming.next) return [];
      groups.generation = forming.next;
      groups.forming = undefined;
      for (const g of [...groups.ready.keys()]) if (g <= groups.generation) groups.ready.delete(g);
      const replaced =
        report.replaced.length > 0 ? `rank${report.replaced.length === 1 ? '' : 's'} ${report.replaced.join(', ')} replaced` : 'no rank replaced';
      this.state.store.addEvent({
        experimentId: trial.experimentId,
        trialId: trial.id,
        kind: 'peer-recovered',
        message: `trial ${trial.idx}: recovered in ${((now - forming.since) / 1000).toFixed(1)} s (${replaced}): every rank holds rank ${report.source}'s state of step ${report.step} in process group ${report.generation}`,
      });
      this.state.goodput.recovered(trial, run, report.generation, report.step, now);
      return [];
    }
    if (report.generation <= groups.generation) return [];
    const ready = groups.ready.get(report.generation) ?? new Map<number, Regroup>();
    ready.set(rank, report);
    groups.ready.set(report.generation, ready);
    if (ready.size < tracker.ranks) return [];
    let forming = groups.forming;
    if (forming === undefined) {
      // Every rank left a broken group and none was lost: form the next one as it is.
      const spec = parseWorkerSpec(trial.specJson, `trial ${trial.id}`);
      if (spec.fault_tolerance.recovery !== 'peer' || report.generation !== groups.generation + 1) return [];
      forming = {
        next: report.generation,
        replacing: new Set(),
        since: now,
        deadline: now + spec.fault_tolerance.replacement_timeout_s * 1000,
        joinOrdered: false,
      };
      groups.forming = forming;
      this.state.goodput.interrupted(trial, run, now);
    }
    if (forming.next !== report.generation || forming.joinOrdered) return [];
    forming.joinOrdered = true;
    return this.order(trial, run, range(tracker.ranks), forming.next, 'join');
  }

  /** Recoveries past their deadline: each restarts its trial from the checkpoint. */
  expire(now: number): DaemonAction[] {
    const actions: DaemonAction[] = [];
    for (const [run, groups] of this.groups) {
      if (groups.forming === undefined || now < groups.forming.deadline) continue;
      const tracker = this.state.runs.get(run);
      this.groups.delete(run);
      if (!tracker) continue;
      const seconds = Math.round((groups.forming.deadline - groups.forming.since) / 1000);
      actions.push({
        kind: 'restart-run',
        trialId: tracker.trialId,
        cause: `peer recovery did not finish within ${seconds} s (fault_tolerance.replacement_timeout_s)`,
      });
    }
    return actions;
  }

  forget(run: string): void {
    this.groups.delete(run);
  }

  /** A regroup order for `ranks` of the run, one message per agent holding them. */
  private order(trial: TrialRow, run: string, ranks: readonly number[], generation: number, phase: 'leave' | 'join'): DaemonAction[] {
    const agents = new Set((trial.placement?.workers ?? []).filter((w) => ranks.includes(w.rank)).map((w) => w.agent));
    return [...agents].map((to) => ({ kind: 'send', to, message: { v: 1, type: 'regroup-workers', run, generation, phase } }) as const);
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const describe = (ranks: readonly number[]): string => (ranks.length === 1 ? `rank ${ranks[0]}` : `ranks ${ranks.join(', ')}`);

/** The launches of a placement by rank, as the tracker keeps them for replacements. */
export function launchesByRank(launches: Iterable<readonly WorkerLaunch[]>): Map<number, WorkerLaunch> {
  const out = new Map<number, WorkerLaunch>();
  for (const list of launches) for (const l of list) out.set(l.rank, l);
  return out;
}
