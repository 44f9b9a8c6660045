/**
 * Where a gang would go now, without queueing it (`orquesta plan`): a placement on today's free slots
 * with the GPU of every rank, or why it must wait (busy slots) or can never run (too few slots).
 */
import type { AgentView, Placement } from './cluster-view.js';
import { freeResources, placeGang } from './place-gang.js';

export interface PlacementPlan {
  readonly fitsNow: boolean;
  /** Per rank: agent, host, slot indices and the GPU ids they map to (empty for CPU slots). */
  readonly placement: { rank: number; agent: string; host: string; slots: readonly number[]; gpus: string[] }[] | null;
  readonly capacity: { agents: number; slots: number; free: number };
  readonly reason: string;
}

export function planPlacement(workers: number, slotsPerWorker: number, agents: readonly AgentView[], busy: readonly Placement[]): PlacementPlan {
  const free = freeResources(agents, busy);
  const now = placeGang(workers, slotsPerWorker, free);
  const ever = now ?? placeGang(workers, slotsPerWorker, freeResources(agents, []));
  const totalSlots = agents.reduce((n, a) => n + a.slots, 0);
  const placement = (now ?? ever)?.workers.map((w) => {
    const agent = agents.find((a) => a.id === w.agent);
    return {
      rank: w.rank,
      agent: w.agent,
      host: w.host,
      slots: w.slots,
      gpus: agent && agent.gpus.length > 0 ? w.slots.map((s) => agent.gpus[s] ?? String(s)) : [],
    };
  });
  return {
    fitsNow: now !== undefined,
    placement: placement ?? null,
    capacity: { agents: agents.length, slots: totalSlots, free: free.reduce((n, f) => n + f.slots.length, 0) },
    reason: now
      ? 'fits on free slots now'
      : ever
        ? 'waits for busy slots (running trials hold them)'
        : `needs ${workers * slotsPerWorker} slots on ${workers} worker(s); the cluster has ${totalSlots} on ${agents.length} agent(s)`,
  };
}
