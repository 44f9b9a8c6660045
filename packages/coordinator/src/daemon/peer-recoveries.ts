/**
 * Peer recovery (fault_tolerance.recovery: peer): when a rank of a running trial is lost, the other
 * ranks keep their state, a replacement starts in the lost rank's slot (or a free one elsewhere when its
 * agent is gone or draining, or the rank was a straggler: replacement-slot.ts; the trial's placement
 * then moves the rank and the join order carries the new endpoints), and the coordinator orders the
 * run's workers (through their agents, `regroup-workers`) from one process group generation to the next:
 *
 *   rank lost --start the replacement, order survivors to `leave`--> forming (generation g+1)
 *   forming --every rank reported `regroup` for g+1 (survivors: left, holding state; replacement:
 *   loaded)--> order `join` --rank 0 reports `recovered`--> running on generation g+1
 *   forming --deadline (replacement_timeout_s), a second loss after the join order, or a survivor
 *   giving up--> restart from the checkpoint (`restart-run`)
 *
 * Under Slurm the rank's task is its slot: the replacement starts in that task (which waited for this
 * answer, slurm-task-worker.ts) and never moves; a lost task ends the job step, and Slurm's end of the
 * job takes the checkpoint path.
 *
 * A rank lost while the trial cannot recover this way (recovery checkpoint, one worker, a sharded
 * optimizer, no slot for the replacement, max_replacements used, every rank lost) takes
 * the checkpoint path: `lost` answers undefined. With fault_tolerance.replace_stragglers, `retire` stops
 * a rank named a straggler when a slot elsewhere can take it; its exit then recovers like any loss. A broken group whose ranks all report `regroup` without
 * a lost rank (a transient network fault) forms again without a replacement.
 *
 * State lives in memory: after a coordinator restart a loss takes the checkpoint path.
 */
import { ENV, parseWorkerSpec, type WorkerLaunch, type WorkerReport } from '@orquesta/protocol';
import { ACTIVE_STATES } from '../jobs/job-state.js';
import type { AgentView, Placement, WorkerPlacement } from '../scheduler/cluster-view.js';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { runId, type RunTracker } from './coordinator-types.js';
import type { DaemonAction } from './daemon-action.js';
import type { GoodputBook } from './goodput-book.js';
import { endpointsOf, replacementSlot, withWorker } from './replacement-slot.js';
import { visibleDevices } from './worker-env.js';

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
  /** The group's endpoints by rank, when a replacement moved to another slot (the join order carries them). */
  endpoints?: readonly string[];
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
  /** Agents that may take a replacement (registered, not draining). */
  readonly alive: () => readonly AgentView[];
  /** Told when a rank is lost (the goodput segment is cut) and when the group formed again. */
  readonly goodput: Pick<GoodputBook, 'interrupted' | 'recovered'>;
  /** Replacements started per trial (for max_replacements), kept across the trial's attempts. */
  readonly replacements?: Map<number, number>;
}

export class PeerRecoveries {
  private readonly groups = new Map<string, RunGroups>();
  private readonly replacements: Map<number, number>;
  /** Stragglers stopped to be replaced (`run#rank`), with the slot their replacement must avoid. */
  private readonly retiring = new Map<string, Pick<WorkerPlacement, 'agent' | 'slots'>>();

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
  lost(trial: TrialRow, run: string, rank: number, cause: string, now: number): DaemonAction[] | undefined {
    const tracker = this.state.runs.get(run);
    const worker = trial.placement?.workers.find((w) => w.rank === rank);
    const launch = tracker?.launches?.get(rank);
    const spec = parseWorkerSpec(trial.specJson, `trial ${trial.id}`);
    const groups = this.groups.get(run) ?? { generation: 0, forming: undefined, ready: new Map() };
    const used = this.replacements.get(trial.id) ?? 0;
    const survivors = tracker ? range(tracker.ranks).filter((r) => !tracker.exited.has(r) && !groups.forming?.replacing.has(r) && r !== rank) : [];
    const gaveUp = groups.forming !== undefined && groups.ready.get(groups.forming.next)?.get(rank)?.holds === true;
    const avoid = this.retiring.get(`${run}#${rank}`);
    this.retiring.delete(`${run}#${rank}`);
    if (spec.fault_tolerance.recovery !== 'peer') return undefined;
    const alive = this.state.alive();
    const slot = !trial.placement ? undefined : trial.launcher === 'slurm' ? worker : replacementSlot(trial.placement, rank, alive, this.placements(), avoid);
    if (
      trial.state !== 'running' ||
      runId(trial.id, trial.attempt) !== run ||
      !tracker ||
      !worker ||
      !launch ||
      !trial.placement ||
      spec.optimizer.shard ||
      used >= spec.fault_tolerance.max_replacements ||
      !slot ||
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
    const moved = slot.agent !== worker.agent || slot.port !== worker.port;
    let env: Record<string, string> = { ...launch.env, [ENV.recovery]: 'peer', [ENV.replacement]: String(forming.next) };
    if (moved) {
      // Every rank forms the next group on the new endpoints; later replacements start with them too.
      const placement = withWorker(trial.placement, slot);
      store.updatePlacement(trial.id, placement);
      forming.endpoints = endpointsOf(placement);
      const peers = forming.endpoints.join(',');
      tracker.launches = new Map([...(tracker.launches ?? [])].map(([r, l]) => [r, { ...l, env: { ...l.env, [ENV.peers]: peers } }]));
      delete env[ENV.cudaVisibleDevices]; // it follows the slot (slotEnv)
      env = {
        ...env,
        ...slotEnv(
          slot,
          alive.find((a) => a.id === slot.agent),
        ),
        [ENV.peers]: peers,
      };
    }
    store.putWorkers([{ ...slot, run, trialId: trial.id, pid: null, state: 'starting', exitCode: null, exitSignal: null }]);
    const where = moved ? `${slot.agent} (moved from ${worker.agent}${avoid ? ', where it straggled' : ', gone or draining'})` : slot.agent;
    store.addEvent({
      experimentId: trial.experimentId,
      trialId: trial.id,
      kind: 'peer-recovery',
      message: `trial ${trial.idx}: ${cause}; ${describe(survivors)} keep${survivors.length === 1 ? 's' : ''} its state; replacing rank ${rank} on ${where} (process group ${forming.next}, replacement ${used + 1} of at most ${spec.fault_tolerance.max_replacements})`,
    });
    return [
      { kind: 'send', to: slot.agent, message: { v: 1, type: 'start-workers', run, spec: trial.specJson, workers: [{ rank, env }] } },
      ...this.order(trial, run, survivors, forming.next, 'leave'),
    ];
  }

  /**
   * Rank `rank` of `run` was named a straggler. With fault_tolerance.replace_stragglers (and peer
   * recovery possible), stops it when a free slot elsewhere can take its replacement: its exit then
   * recovers like any loss, in that slot. An event says which, or why the rank keeps running.
   */
  retire(trial: TrialRow, run: string, rank: number): DaemonAction[] {
    const spec = parseWorkerSpec(trial.specJson, `trial ${trial.id}`);
    if (spec.fault_tolerance.recovery !== 'peer' || !spec.fault_tolerance.replace_stragglers) return [];
    const worker = trial.placement?.workers.find((w) => w.rank === rank);
    const tracker = this.state.runs.get(run);
    const why =
      trial.state !== 'running' || runId(trial.id, trial.attempt) !== run || !worker || !trial.placement || !tracker?.launches?.has(rank)
        ? 'the run is not running under this coordinator'
        : spec.optimizer.shard
          ? 'the optimizer is sharded (no rank holds the whole state)'
          : this.forming(run)
            ? 'a peer recovery is under way'
            : trial.launcher === 'slurm'
              ? 'a Slurm task cannot move to another node'
              : (this.replacements.get(trial.id) ?? 0) >= spec.fault_tolerance.max_replacements
                ? 'max_replacements is spent'
                : !replacementSlot(trial.placement, rank, this.state.alive(), this.placements(), worker)
                  ? 'no free slot elsewhere can take a replacement'
                  : undefined;
    this.state.store.addEvent({
      experimentId: trial.experimentId,
      trialId: trial.id,
      kind: 'straggler',
      message:
        why === undefined
          ? `trial ${trial.idx}: stopping straggler rank ${rank} to replace it in a free slot elsewhere (fault_tolerance.replace_stragglers)`
          : `trial ${trial.idx}: straggler rank ${rank} keeps running: ${why}`,
    });
    if (why !== undefined || !worker) return [];
    this.retiring.set(`${run}#${rank}`, { agent: worker.agent, slots: worker.slots });
    return [{ kind: 'send', to: worker.agent, message: { v: 1, type: 'stop-workers', run, mode: 'kill', rank } }];
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
    return this.order(trial, run, range(tracker.ranks), forming.next, 'join', forming.endpoints);
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
    for (const key of this.retiring.keys()) if (key.startsWith(`${run}#`)) this.retiring.delete(key);
  }

  /** Every active trial's placement: the slots a replacement must not take (a Slurm trial's names its tasks, no agent's slots). */
  private placements(): Placement[] {
    return this.state.store.schedulingRows(ACTIVE_STATES).flatMap((t) => (t.placement ? [t.placement] : []));
  }

  /** A regroup order for `ranks` of the run, one message per agent holding them. */
  private order(
    trial: TrialRow,
    run: string,
    ranks: readonly number[],
    generation: number,
    phase: 'leave' | 'join',
    endpoints?: readonly string[],
  ): DaemonAction[] {
    const agents = new Set((trial.placement?.workers ?? []).filter((w) => ranks.includes(w.rank)).map((w) => w.agent));
    return [...agents].map(
      (to) => ({ kind: 'send', to, message: { v: 1, type: 'regroup-workers', run, generation, phase, ...(endpoints ? { endpoints } : {}) } }) as const,
    );
  }
}

/** The rank contract's entries that follow its slot: local rank and GPUs (none on CPU agents). */
function slotEnv(slot: WorkerPlacement, agent: AgentView | undefined): Record<string, string> {
  const devices = visibleDevices(agent, slot.slots);
  return {
    [ENV.localRank]: String(slot.localRank),
    [ENV.localWorldSize]: String(slot.localWorldSize),
    ...(devices === undefined ? {} : { [ENV.cudaVisibleDevices]: devices }),
  };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const describe = (ranks: readonly number[]): string => (ranks.length === 1 ? `rank ${ranks[0]}` : `ranks ${ranks.join(', ')}`);

/** The launches of a placement by rank, as the tracker keeps them for replacements. */
export function launchesByRank(launches: Iterable<readonly WorkerLaunch[]>): Map<number, WorkerLaunch> {
  const out = new Map<number, WorkerLaunch>();
  for (const list of launches) for (const l of list) out.set(l.rank, l);
  return out;
}
