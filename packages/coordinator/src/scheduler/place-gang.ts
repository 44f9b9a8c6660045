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

export function freeResources(agents: readonly AgentView[], used: readonly Placement[]): FreeResources[] {
  return agents.map((agent) => {
    const slots = new Set<number>();
    const ports = new Set<number>();
    for (const placement of used)
      for (const w of placement.workers)
        if (w.agent === agent.id) {
          w.slots.forEach((s) => slots.add(s));
          ports.add(w.port);
        }
    const freeSlots = Array.from({ length: agent.slots }, (_, i) => i).filter((s) => !slots.has(s));
    const freePorts: number[] = [];
    for (let p = agent.ports[0]; p <= agent.ports[1] && freePorts.length < agent.slots; p++) if (!ports.has(p)) freePorts.push(p);
    return { agent, slots: freeSlots, ports: freePorts };
  });
}

/** How many workers of `slotsPerWorker` slots an agent can still take. */
function capacity(free: FreeResources, slotsPerWorker: number): number {
  return Math.min(Math.floor(free.slots.length / slotsPerWorker), free.ports.length);
}

/** A placement for `workers` workers, or undefined when the free resources cannot hold all of them. */
export function placeGang(workers: number, slotsPerWorker: number, free: readonly FreeResources[]): Placement | undefined {
  const order = [...free].sort((a, b) => capacity(b, slotsPerWorker) - capacity(a, slotsPerWorker) || a.agent.id.localeCompare(b.agent.id));
  if (order.reduce((n, f) => n + capacity(f, slotsPerWorker), 0) < workers) return undefined;
  const placed: WorkerPlacement[] = [];
  for (const f of order) {
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
  return free.map((f) => {
    const mine = placement.workers.filter((w) => w.agent === f.agent.id);
    if (mine.length === 0) return f;
    const slots = new Set(mine.flatMap((w) => w.slots));
    const ports = new Set(mine.map((w) => w.port));
    return { agent: f.agent, slots: f.slots.filter((s) => !slots.has(s)), ports: f.ports.filter((p) => !ports.has(p)) };
  });
}
