/**
 * Where a peer recovery starts the replacement of a lost rank:
 *   1. its own slot, when its agent is alive, not draining, and the slot is not to be avoided (the
 *      endpoint stays: nobody's group needs new endpoints);
 *   2. else a free slot (with a free data-plane port) on an alive agent, packed like a new gang's
 *      worker (placeGang): the rank moves, and every rank forms the next group on the new endpoints;
 *   3. else nowhere: the trial restarts from its checkpoint.
 * `avoid` is a straggler's slot: the replacement must not land there again.
 */
import type { AgentView, Placement, WorkerPlacement } from '../scheduler/cluster-view.js';
import { freeResources, placeGang } from '../scheduler/place-gang.js';

/** @param used every active trial's placement, this trial's included. */
export function replacementSlot(
  placement: Placement,
  rank: number,
  alive: readonly AgentView[],
  used: readonly Placement[],
  avoid?: { readonly agent: string; readonly slots: readonly number[] },
): WorkerPlacement | undefined {
  const worker = placement.workers.find((w) => w.rank === rank);
  if (!worker) return undefined;
  if (!avoid && alive.some((a) => a.id === worker.agent)) return worker;
  // Here the lost rank's own slot is gone (its agent is) or avoided: it stays counted as used.
  const slot = placeGang(1, worker.slots.length, freeResources(alive, used))?.workers[0];
  if (!slot) return undefined;
  const local = placement.workers.filter((w) => w.agent === slot.agent && w.rank !== rank).length;
  return { ...slot, rank, localRank: local, localWorldSize: local + 1 };
}

/** The placement with `moved` in its rank's place. */
export function withWorker(placement: Placement, moved: WorkerPlacement): Placement {
  return { ...placement, workers: placement.workers.map((w) => (w.rank === moved.rank ? moved : w)) };
}

/** tcp endpoints by rank, as the worker environment lists them (worker-env.ts). */
export function endpointsOf(placement: Placement): string[] {
  return placement.workers.map((w) => `tcp://${w.host}:${w.port}`);
}
