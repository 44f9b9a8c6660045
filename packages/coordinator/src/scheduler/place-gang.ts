/**
 * Gang placement: every worker of a trial or none. Workers are packed onto the agents with the most
 * free slots first (fewest hosts, consecutive ranks per host), one data-plane port each.
 */
import type { AgentView, Placement, WorkerPlacement } from './cluster-view.js';

/** Free slot indices and ports of one agent. */
export interface FreeResources {
  readonly agent: AgentView;
  readonly slots: readonly number[];
  readonly ports: readonly number[];
}

/** Free resources by agent, in agent id order (code units): placeGang relies on it for its ties. */
export function freeResources(agents: readonly AgentView[], used: readonly Placement[]): FreeResources[] {
  // Used slots and ports by agent, in one sweep over the placements.
  const byAgent = new Map<string, { slots: Set<number>; ports: Set<number> }>();
  for (const placement of used)
    for (const w of placement.workers) {
      let taken = byAgent.get(w.agent);
      if (!taken) byAgent.set(w.agent, (taken = { slots: new Set(), ports: new Set() }));
      for (const s of w.slots) taken.slots.add(s);
      taken.ports.add(w.port);
    }
  return [...agents].sort(byId).map((agent) => {
    const taken = byAgent.get(agent.id);
    const freeSlots: number[] = [];
    for (let s = 0; s < agent.slots; s++) if (!taken?.slots.has(s)) freeSlots.push(s);
    const freePorts: number[] = [];
    for (let p = agent.ports[0]; p <= agent.ports[1] && freePorts.length < agent.slots; p++) if (!taken?.ports.has(p)) freePorts.push(p);
    return { agent, slots: freeSlots, ports: freePorts };
  });
}

/** Workers of `slotsPerWorker` slots all of `free` can take together (an upper bound for one gang). */
export function totalCapacity(free: readonly FreeResources[], slotsPerWorker: number): number {
  let n = 0;
  for (const f of free) n += capacity(f, slotsPerWorker);
  return n;
}

/** How many workers of `slotsPerWorker` slots an agent can still take. */
function capacity(free: FreeResources, slotsPerWorker: number): number {
  return Math.min(Math.floor(free.slots.length / slotsPerWorker), free.ports.length);
}

/** A placement for `workers` workers, or undefined when the free resources cannot hold all of them. */
export function placeGang(workers: number, slotsPerWorker: number, free: readonly FreeResources[]): Placement | undefined {
  // On a full cluster most gangs do not fit: O(agents), before anything else.
  if (totalCapacity(free, slotsPerWorker) < workers) return undefined;
  // The agents that can take the most workers first, ties in `free`'s order (agent id): buckets by
  // capacity, not a sort, as a burst of placements on an empty cluster places hundreds of gangs a pass.
  const byCapacity: FreeResources[][] = [];
  for (const f of free) {
    const c = capacity(f, slotsPerWorker);
    if (c > 0) (byCapacity[c] ??= []).push(f);
  }
  const placed: WorkerPlacement[] = [];
  for (const f of byCapacity.reverse().flatMap((bucket) => bucket ?? [])) {
    const take = Math.min(capacity(f, slotsPerWorker), workers - placed.length);
    for (let local = 0; local < take; local++) {
      placed.push({
        rank: placed.length,
        agent: f.agent.id,
        host: f.agent.host,
        slots: f.slots.slice(local * slotsPerWorker, (local + 1) * slotsPerWorker),
        port: f.ports[local] as number,
        localRank: local,
        localWorldSize: take,
      });
    }
    if (placed.length === workers) break;
  }
  return { workers: placed };
}

/** The free resources left after `placement` takes its share. */
export function withoutPlacement(free: readonly FreeResources[], placement: Placement): FreeResources[] {
  const agents = new Set(placement.workers.map((w) => w.agent));
  return free.map((f) => {
    if (!agents.has(f.agent.id)) return f;
    const mine = placement.workers.filter((w) => w.agent === f.agent.id);
    const slots = new Set(mine.flatMap((w) => w.slots));
    const ports = new Set(mine.map((w) => w.port));
    return { agent: f.agent, slots: f.slots.filter((s) => !slots.has(s)), ports: f.ports.filter((p) => !ports.has(p)) };
  });
}

function byId(a: AgentView, b: AgentView): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
