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
 */
import type { ActiveJob, ClusterView, PendingJob, Placement } from './cluster-view.js';
import { freeResources, placeGang, withoutPlacement, type FreeResources } from './place-gang.js';

export type Decision =
  | { readonly kind: 'place'; readonly trial: number; readonly placement: Placement }
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

export function schedule(view: ClusterView, options: ScheduleOptions): Decision[] {
  const starvationMs = options.starvationMs ?? 300_000;
  const decisions: Decision[] = [];
  let free = freeResources(
    view.agents,
    view.active.map((a) => a.placement),
  );
  let reserved = false;
  for (const job of [...view.pending].sort(pendingOrder)) {
    const placement = placeGang(job.workers, job.slotsPerWorker, free);
    if (placement) {
      decisions.push({ kind: 'place', trial: job.trial, placement });
      free = withoutPlacement(free, placement);
      continue;
    }
    // Slots already being released by stopping trials count for this job: wait for them.
    const releasing = view.active.filter((a) => a.stopping);
    if (releasing.length > 0 && placeGang(job.workers, job.slotsPerWorker, release(free, releasing)) !== undefined) {
      reserved = true;
      break;
    }
    const shrunk =
      options.now - job.queuedAt >= (options.shrinkAfterMs ?? 10_000) ? largestGang(job.workers - 1, job.minWorkers, job.slotsPerWorker, free) : undefined;
    if (shrunk) {
      decisions.push({ kind: 'place', trial: job.trial, placement: shrunk });
      free = withoutPlacement(free, shrunk);
      continue;
    }
    const victims = chooseVictims(job, free, view);
    if (victims) {
      for (const v of victims) decisions.push({ kind: 'preempt', trial: v.trial, forTrial: job.trial });
      reserved = true;
      break;
    }
    if (options.now - job.queuedAt >= starvationMs) {
      reserved = true;
      break;
    }
  }
  if (!reserved) {
    const grow = growable(view.active, free, options.now - (options.growAfterMs ?? 60_000));
    if (grow) decisions.push(grow);
  }
  return decisions;
}

/** The placement of the most workers in [min, max] that fit, or undefined. */
function largestGang(max: number, min: number, slotsPerWorker: number, free: readonly FreeResources[]): Placement | undefined {
  for (let n = max; n >= min; n--) {
    const placement = placeGang(n, slotsPerWorker, free);
    if (placement) return placement;
  }
  return undefined;
}

/** The first shrunk elastic trial, placed before `placedBefore`, that its own slots plus the free ones would hold larger. */
function growable(active: readonly ActiveJob[], free: readonly FreeResources[], placedBefore: number): Decision | undefined {
  for (const job of active) {
    const size = job.placement.workers.length;
    if (!job.elastic || job.stopping || size >= job.elastic.workers || job.placedAt > placedBefore) continue;
    const bigger = largestGang(job.elastic.workers, size + 1, job.elastic.slotsPerWorker, release(free, [job]));
    if (bigger) return { kind: 'grow', trial: job.trial, from: size, to: bigger.workers.length };
  }
  return undefined;
}

/** The fewest lower-priority preemptible trials whose slots make `job` fit, or undefined. */
function chooseVictims(job: PendingJob, free: readonly FreeResources[], view: ClusterView): ActiveJob[] | undefined {
  const candidates = view.active
    .filter((a) => a.preemptible && !a.stopping && a.priority < job.priority)
    .sort((a, b) => a.priority - b.priority || b.placedAt - a.placedAt || b.trial - a.trial);
  const chosen: ActiveJob[] = [];
  for (const candidate of candidates) {
    chosen.push(candidate);
    if (placeGang(job.workers, job.slotsPerWorker, release(free, chosen)) !== undefined) {
      // Drop victims that turned out unnecessary (a later, larger one may suffice alone).
      for (let i = chosen.length - 2; i >= 0; i--) {
        const without = chosen.filter((_, j) => j !== i);
        if (placeGang(job.workers, job.slotsPerWorker, release(free, without)) !== undefined) chosen.splice(i, 1);
      }
      return chosen;
    }
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
