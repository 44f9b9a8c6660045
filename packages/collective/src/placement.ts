import type { RingView } from './op-channel.js';

/** Group ranks in ring order, and this rank's place among them. */
export interface RingMembers {
  readonly members: readonly number[];
  readonly position: number;
}

/** The two rings of a hierarchical all-reduce, seen from one rank. */
export interface Hierarchy {
  /** The ranks on this rank's host, in rank order. */
  readonly local: RingMembers;
  /** The ranks at this rank's local position on every host, in host order (one ring per local position). */
  readonly cross: RingMembers;
  readonly hosts: number;
}

/** The host an endpoint names: the address of a tcp endpoint; 'ipc' (this host) for an ipc one. */
export function hostOf(endpoint: string): string {
  return endpoint.startsWith('ipc://') ? 'ipc' : endpoint.replace(/^tcp:\/\//, '').replace(/:\d+$/, '');
}

/**
 * Which ranks share a host, from the endpoints every rank was given (so every rank computes the same):
 * ranks whose tcp endpoints name the same address are on one host; ipc endpoints are all on this one.
 * Hosts are ordered by their lowest rank, ranks within a host by rank.
 */
export function hostsOf(endpoints: readonly string[]): number[][] {
  const byHost = new Map<string, number[]>();
  endpoints.forEach((endpoint, rank) => {
    const host = hostOf(endpoint);
    const ranks = byHost.get(host);
    if (ranks === undefined) byHost.set(host, [rank]);
    else ranks.push(rank);
  });
  return [...byHost.values()];
}

/**
 * The hierarchy of `rank` when the placement allows one (at least two hosts with the same number of
 * ranks, at least two each), else why not.
 */
export function hierarchyFor(hosts: readonly (readonly number[])[], rank: number): { readonly hierarchy: Hierarchy } | { readonly reason: string } {
  const sizes = hosts.map((h) => h.length);
  if (hosts.length < 2) return { reason: `all ${sizes[0] ?? 0} ranks run on one host` };
  if (sizes.some((s) => s !== sizes[0])) return { reason: `the hosts run different numbers of ranks (${sizes.join(', ')})` };
  if (sizes[0] === 1) return { reason: `one rank per host on ${hosts.length} hosts` };
  const hostIndex = hosts.findIndex((h) => h.includes(rank));
  const local = hosts[hostIndex] as readonly number[];
  const position = local.indexOf(rank);
  return {
    hierarchy: {
      local: { members: local, position },
      cross: { members: hosts.map((h) => h[position] as number), position: hostIndex },
      hosts: hosts.length,
    },
  };
}

/** A RingView (for OpChannel.on) of this rank's place among `ring.members`. */
export function viewOf(ring: RingMembers): RingView {
  const n = ring.members.length;
  return {
    position: ring.position,
    size: n,
    left: ring.members[(ring.position + n - 1) % n] as number,
    right: ring.members[(ring.position + 1) % n] as number,
  };
}
