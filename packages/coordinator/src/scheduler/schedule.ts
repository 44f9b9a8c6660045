/**
 * One scheduling pass, a pure function of the cluster view:
 *   1. pending trials in order: priority (high first), then FIFO by queue time, then id;
 *   2. each is placed as a gang on the free slots, or not at all; an elastic trial (minWorkers below
 *      workers) that does not fit whole, is not waiting for slots being released and was queued at
 *      least `shrinkAfterMs` ago, is placed with as many workers as fit, down to minWorkers;
 *   3. a trial that does not fit may preempt running preemptible trials of lower priority (lowest
 *      priority first, then the most recently placed, as few as needed); nothing is placed behind it
 *      until they have checkpointed and left (their slots are reserved for it);
 *   4. otherwise smaller trials behind it may backfill free slots, unless it has waited longer than
 *      `starvationMs`: then it holds a reservation and nothing passes it;
 *   5. with nothing reserved, an elastic trial running below its world size for at least `growAfterMs`
 *      grows when its own slots plus the free ones hold more workers: it checkpoints and is placed again.
 * Per-user quotas (user-quotas.ts) cap the priorities of 1 and 3, and a trial that its user's slot
 * quota does not hold waits without reserving or preempting (others pass it); placements, shrinks
 * and growth stay within the quota. External trials (Slurm places them) are handed off first, in
 * queue order, each when its user's quota holds its whole gang.
 */
import type { ActiveJob, ClusterView, PendingJob, Placement } from './cluster-view.js';
import { freeResources, placeGang, totalCapacity, withoutPlacement, type FreeResources } from './place-gang.js';
import { effectivePriority, SlotLedger } from './user-quotas.js';

export type Decision =
  | { readonly kind: 'place'; readonly trial: number; readonly placement: Placement }
  /** An external trial (Slurm's) goes to its scheduler now. */
  | { readonly kind: 'hand-off'; readonly trial: number }
  | { readonly kind: 'preempt'; readonly trial: number; readonly forTrial: number }
  | { readonly kind: 'grow'; readonly trial: number; readonly from: number; readonly to: number };

export interface ScheduleOptions {
  /** Epoch ms now. */
  readonly now: number;
  /** After this long in the queue a trial stops being passed by backfill. Defaults to 300,000 ms. */
  readonly starvationMs?: number;
  /** A shrunk elastic trial grows back only after running this long at its size (each resize costs a checkpoint). Defaults to 60,000 ms. */
  readonly growAfterMs?: number;
  /** An elastic trial starts below its world size only this long after it was queued (agents may still be registering). Defaults to 10,000 ms. */
  readonly shrinkAfterMs?: number;
}

export function pendingOrder(a: PendingJob, b: PendingJob): number {
  return b.priority - a.priority || a.queuedAt - b.queuedAt || a.trial - b.trial;
}

/** Every decision of one pass. */
export function schedule(view: ClusterView, options: ScheduleOptions): Decision[] {
  return [...decide(view, options)];
}

/**
 * The decisions of one pass, each made when asked for: a caller that stops early (a pass out of time)
 * does not pay for the rest, which the next pass makes again on the state this one left.
 */
export function* decide(view: ClusterView, options: ScheduleOptions): Generator<Decision, void, undefined> {
  const starvationMs = options.starvationMs ?? 300_000;
  const free = new FreeView(
    freeResources(
      view.agents,
      view.active.map((a) => a.placement),
    ),
  );
  // Slots already being released by stopping trials, and the trials a higher-priority one may preempt.
  const releasing = view.active.filter((a) => a.stopping);
  // A job is copied only when its user's max priority lowers it (thousands may be queued: most are not).
  const capped = <J extends { priority: number; user?: string }>(job: J): J => {
    const priority = effectivePriority(job.priority, job.user, view.quotas);
    return priority === job.priority ? job : { ...job, priority };
  };
  const victims = new VictimPool(view.active.map(capped));
  const ledger = new SlotLedger(
    view.quotas,
    view.active.map((a) => ({ user: a.user, slots: a.slots ?? slotsOf(a.placement) })),
  );
  const queue = view.pending.map(capped).sort(pendingOrder);
  for (const job of queue) {
    if (!job.external || ledger.room(job.user, job.slotsPerWorker) < job.workers) continue;
    ledger.take(job.user, job.workers * job.slotsPerWorker);
    yield { kind: 'hand-off', trial: job.trial };
  }
  let reserved = false;
  for (const job of queue) {
    if (job.external) continue;
    const room = ledger.room(job.user, job.slotsPerWorker);
    // Over its user's quota: it waits, and holds nothing up.
    if (room < job.minWorkers) continue;
    // On a full cluster most gangs do not fit: the free capacity answers that without placing.
    const placement =
      room >= job.workers && free.capacity(job.slotsPerWorker) >= job.workers ? placeGang(job.workers, job.slotsPerWorker, free.resources) : undefined;
    if (placement) {
      free.take(placement);
      ledger.take(job.user, slotsOf(placement));
      yield { kind: 'place', trial: job.trial, placement };
      continue;
    }
    // Slots being released count for this job: wait for them.
    if (releasing.length > 0 && placeGang(job.workers, job.slotsPerWorker, free.released(releasing)) !== undefined) {
      reserved = true;
      break;
    }
    const shrunk =
      options.now - job.queuedAt >= (options.shrinkAfterMs ?? 10_000) && job.minWorkers < job.workers
        ? largestGang(Math.min(job.workers - 1, room), job.minWorkers, job.slotsPerWorker, free.resources)
        : undefined;
    if (shrunk) {
      free.take(shrunk);
      ledger.take(job.user, slotsOf(shrunk));
      yield { kind: 'place', trial: job.trial, placement: shrunk };
      continue;
    }
    // The whole gang is past the quota: it may start smaller later, but takes nobody's slots for it.
    if (room < job.workers) continue;
    const chosen = victims.choose(job, free);
    if (chosen) {
      for (const v of chosen) yield { kind: 'preempt', trial: v.trial, forTrial: job.trial };
      reserved = true;
      break;
    }
    if (options.now - job.queuedAt >= starvationMs) {
      reserved = true;
      break;
    }
  }
  if (!reserved) {
    const grow = growable(view.active, free.resources, options.now - (options.growAfterMs ?? 60_000), ledger);
    if (grow) yield grow;
  }
}

/** Slots a placement holds. */
function slotsOf(placement: Placement): number {
  return placement.workers.reduce((n, w) => n + w.slots.length, 0);
}

/** The free resources as the pass goes, with what it asks of them again and again computed once per change. */
class FreeView {
  private readonly capacities = new Map<number, number>();
  private releasedView: FreeResources[] | undefined;
  private freeSlots: number | undefined;

  constructor(public resources: FreeResources[]) {}

  take(placement: Placement): void {
    this.resources = withoutPlacement(this.resources, placement);
    this.capacities.clear();
    this.releasedView = undefined;
    this.freeSlots = undefined;
  }

  /** Workers of `slotsPerWorker` slots the free resources hold together (an upper bound for one gang). */
  capacity(slotsPerWorker: number): number {
    let n = this.capacities.get(slotsPerWorker);
    if (n === undefined) this.capacities.set(slotsPerWorker, (n = totalCapacity(this.resources, slotsPerWorker)));
    return n;
  }

  /** Free slots in all. */
  slots(): number {
    return (this.freeSlots ??= this.resources.reduce((n, f) => n + f.slots.length, 0));
  }

  /** The free resources once `stopping` (the same list every call) have released theirs. */
  released(stopping: readonly ActiveJob[]): FreeResources[] {
    return (this.releasedView ??= release(this.resources, stopping));
  }
}

/**
 * Running preemptible trials that are not stopping, lowest priority first, then the most recently
 * placed: a pending trial's candidates are the prefix of lower priority than its own.
 */
class VictimPool {
  private readonly candidates: ActiveJob[];
  /** Slots held by the first i candidates. */
  private readonly slotsBefore: number[] = [0];

  constructor(active: readonly ActiveJob[]) {
    this.candidates = active
      .filter((a) => a.preemptible && !a.stopping)
      .sort((a, b) => a.priority - b.priority || b.placedAt - a.placedAt || b.trial - a.trial);
    for (const c of this.candidates) this.slotsBefore.push((this.slotsBefore.at(-1) ?? 0) + c.placement.workers.reduce((n, w) => n + w.slots.length, 0));
  }

  /** The fewest candidates of lower priority whose slots make `job` fit, or undefined. */
  choose(job: PendingJob, free: FreeView): ActiveJob[] | undefined {
    // Candidates are sorted by priority: binary search for the first of the job's priority or more.
    let [lower, upper] = [0, this.candidates.length];
    while (lower < upper) {
      const mid = (lower + upper) >> 1;
      if ((this.candidates[mid]?.priority ?? Infinity) < job.priority) lower = mid + 1;
      else upper = mid;
    }
    // Not even every candidate's slots together would hold the gang.
    if (lower === 0 || free.slots() + (this.slotsBefore[lower] ?? 0) < job.workers * job.slotsPerWorker) return undefined;
    const chosen: ActiveJob[] = [];
    for (const candidate of this.candidates.slice(0, lower)) {
      chosen.push(candidate);
      if (placeGang(job.workers, job.slotsPerWorker, release(free.resources, chosen)) !== undefined) {
        // Drop victims that turned out unnecessary (a later, larger one may suffice alone).
        for (let i = chosen.length - 2; i >= 0; i--) {
          const without = chosen.filter((_, j) => j !== i);
          if (placeGang(job.workers, job.slotsPerWorker, release(free.resources, without)) !== undefined) chosen.splice(i, 1);
        }
        return chosen;
      }
    }
    return undefined;
  }
}

/** The placement of the most workers in [min, max] that fit, or undefined. */
function largestGang(max: number, min: number, slotsPerWorker: number, free: readonly FreeResources[]): Placement | undefined {
  for (let n = max; n >= min; n--) {
    const placement = placeGang(n, slotsPerWorker, free);
    if (placement) return placement;
  }
  return undefined;
}

/** The first shrunk elastic trial, placed before `placedBefore`, that its own slots plus the free ones (and its user's quota) would hold larger. */
function growable(active: readonly ActiveJob[], free: readonly FreeResources[], placedBefore: number, ledger: SlotLedger): Decision | undefined {
  for (const job of active) {
    const size = job.placement.workers.length;
    if (!job.elastic || job.stopping || size >= job.elastic.workers || job.placedAt > placedBefore) continue;
    const most = Math.min(job.elastic.workers, ledger.room(job.user, job.elastic.slotsPerWorker, slotsOf(job.placement)));
    const bigger = largestGang(most, size + 1, job.elastic.slotsPerWorker, release(free, [job]));
    if (bigger) return { kind: 'grow', trial: job.trial, from: size, to: bigger.workers.length };
  }
  return undefined;
}

/** Free resources if the given active trials released their slots. */
function release(free: readonly FreeResources[], released: readonly ActiveJob[]): FreeResources[] {
  return free.map((f) => {
    const here = released.flatMap((r) => r.placement.workers.filter((w) => w.agent === f.agent.id));
    if (here.length === 0) return f;
    const slots = new Set([...f.slots, ...here.flatMap((w) => w.slots)]);
    const ports = new Set([...f.ports, ...here.map((w) => w.port)]);
    return { agent: f.agent, slots: [...slots].sort((a, b) => a - b), ports: [...ports].sort((a, b) => a - b) };
  });
}
