/**
 * Which all-reduce the workers of a spec would run and how long it would take, from the placement
 * (workers per host) and `bench allreduce` measurements. The choice mirrors the collective's own
 * (createZmqProcessGroup): one host: shared memory (shared_memory auto) or the ring; several hosts:
 * hierarchical when collective.algorithm allows it, shared_memory is auto and every host runs the same
 * number (at least 2) of workers, else the flat ring.
 *
 * Times, for S gradient bytes, N workers on H hosts of L each, bus bandwidths B from the profile:
 *   shared memory  S x 2(N-1)/N / B_shm(N)
 *   ring           S x 2(N-1)/N / B_net(N)   (one ring edge leaves each host: the host link carries this)
 *   hierarchical   S x 2(H-1)/H / B_net(H)   (the L cross-host rings share each host's link)
 *                + S x 2(L-1)/L / B_shm(L) / P   (the host's part, pipelined in P pieces of 8 MiB per
 *                                                 bucket: only about one piece's worth is exposed)
 * B_net prefers rows measured between hosts (tools/bench/netns-allreduce.mjs: link_gbps set, one rank
 * per host) over loopback rows, then the nearest rank count, then the nearest size.
 */
import type { CollectiveSpec } from '@orquesta/protocol';

export interface AllReduceMeasurement {
  readonly ranks: number;
  readonly bytes: number;
  readonly busbw_gbps: number;
  readonly impl?: string;
  readonly transport?: string;
  readonly compression?: string;
  /** Set by netns-allreduce.mjs: the emulated link's rate (rows measured between hosts). */
  readonly link_gbps?: number;
  readonly per_host?: number;
  readonly algorithm?: string;
}

export type AllReduceAlgorithm = 'none' | 'shared-memory' | 'ring' | 'hierarchical';

export interface AlgorithmChoice {
  readonly algorithm: AllReduceAlgorithm;
  /** Why, in words. */
  readonly reason: string;
  readonly hosts: number;
  /** Workers on each host (equal for hierarchical). */
  readonly perHost: number;
}

/** The algorithm the collective would pick for workers placed `ranksPerHost` (one count per host). */
export function chooseAllReduce(collective: Pick<CollectiveSpec, 'shared_memory' | 'algorithm'>, ranksPerHost: readonly number[]): AlgorithmChoice {
  const workers = ranksPerHost.reduce((a, b) => a + b, 0);
  const hosts = ranksPerHost.length;
  const most = Math.max(...ranksPerHost);
  const choice = (algorithm: AllReduceAlgorithm, reason: string): AlgorithmChoice => ({ algorithm, reason, hosts, perHost: most });
  if (workers <= 1) return choice('none', 'one worker');
  if (hosts === 1)
    return collective.shared_memory === 'auto'
      ? choice('shared-memory', `all ${workers} workers on one host`)
      : choice('ring', `all ${workers} workers on one host, shared_memory off`);
  if (collective.algorithm === 'ring') return choice('ring', 'collective.algorithm ring');
  if (collective.shared_memory === 'off') return choice('ring', 'shared_memory off (the hierarchy reduces within hosts through it)');
  if (ranksPerHost.some((n) => n !== ranksPerHost[0])) return choice('ring', `the hosts run different numbers of workers (${ranksPerHost.join(', ')})`);
  if (most === 1) return choice('ring', `one worker per host on ${hosts} hosts`);
  return choice(
    'hierarchical',
    `${hosts} hosts x ${most} workers: each host sends 2(H-1)/H = ${((2 * (hosts - 1)) / hosts).toFixed(2)} of the gradients over its link instead of the flat ring's 2(N-1)/N = ${((2 * (workers - 1)) / workers).toFixed(2)}`,
  );
}

/** Bytes of one piece of the hierarchical pipeline: 8 segments of the default 1 MiB. */
const PIECE_BYTES = 8 << 20;

export interface AllReduceTime {
  readonly seconds: number | null;
  readonly basis: readonly string[];
}

/**
 * Seconds of one step's gradient all-reduce with `choice`, `gradientBytes` in buckets of at most
 * `bucketBytes`; null (with the missing measurement named) when the profile lacks a row.
 */
export function allReduceSeconds(choice: AlgorithmChoice, gradientBytes: number, bucketBytes: number, rows: readonly AllReduceMeasurement[]): AllReduceTime {
  const workers = choice.hosts * choice.perHost;
  const fraction = (n: number): number => (2 * (n - 1)) / n;
  switch (choice.algorithm) {
    case 'none':
      return { seconds: 0, basis: ['all-reduce: none with one worker'] };
    case 'shared-memory': {
      const { row, notes } = pick(rows, 'shm', workers, gradientBytes);
      if (row === undefined) return missing('through shared memory', workers, gradientBytes, '--shared-memory auto');
      return { seconds: (gradientBytes * fraction(workers)) / bw(row), basis: [...notes, `all-reduce: shared memory, ${describe(row)}`] };
    }
    case 'ring': {
      const { row, notes } = pick(rows, 'network', workers, gradientBytes);
      if (row === undefined) return missing('over the network', workers, gradientBytes, '');
      return { seconds: (gradientBytes * fraction(workers)) / bw(row), basis: [...notes, `all-reduce: flat ring, ${describe(row)}`] };
    }
    case 'hierarchical': {
      const { hosts, perHost } = choice;
      const cross = pick(rows, 'network', hosts, gradientBytes / perHost);
      const local = pick(rows, 'shm', perHost, gradientBytes);
      if (cross.row === undefined) return missing('over the network', hosts, gradientBytes / perHost, '');
      if (local.row === undefined) return missing('through shared memory', perHost, gradientBytes, '--shared-memory auto');
      const pieces = Math.max(1, Math.ceil(Math.min(bucketBytes, gradientBytes) / PIECE_BYTES));
      const across = (gradientBytes * fraction(hosts)) / bw(cross.row);
      const within = (gradientBytes * fraction(perHost)) / bw(local.row) / pieces;
      return {
        seconds: across + within,
        basis: [
          ...new Set([...cross.notes, ...local.notes]),
          `all-reduce: hierarchical, across hosts ${across.toFixed(3)} s (${describe(cross.row)}) + within hosts ${within.toFixed(3)} s exposed (${describe(local.row)}, 1/${pieces} of it)`,
        ],
      };
    }
    default: {
      const never: never = choice.algorithm;
      throw new Error(`unhandled algorithm ${String(never)}`);
    }
  }
}

const isShared = (r: AllReduceMeasurement): boolean => r.transport === 'shm';
const isOurs = (r: AllReduceMeasurement): boolean => r.impl === undefined || r.impl.startsWith('orquesta');
const bw = (r: AllReduceMeasurement): number => r.busbw_gbps * 1e9;

/**
 * The row of `plane` nearest to `ranks` and `bytes`; when the profile has none of that plane, the other
 * plane's, with a note saying so.
 */
function pick(
  rows: readonly AllReduceMeasurement[],
  plane: 'shm' | 'network',
  ranks: number,
  bytes: number,
): { row: AllReduceMeasurement | undefined; notes: string[] } {
  const shm = (): AllReduceMeasurement | undefined => nearest(rows.filter(isShared), ranks, bytes);
  const net = (): AllReduceMeasurement | undefined => networkRow(rows, ranks, bytes);
  const row = plane === 'shm' ? shm() : net();
  if (row !== undefined) return { row, notes: [] };
  const other = plane === 'shm' ? net() : shm();
  const where = plane === 'shm' ? 'through shared memory' : 'over the network';
  return { row: other, notes: other === undefined ? [] : [`all-reduce: no measurement ${where} in the profile; using another data plane's`] };
}

/** A network row: between hosts (one rank per host, flat ring) when the profile has such rows, else loopback. */
function networkRow(rows: readonly AllReduceMeasurement[], ranks: number, bytes: number): AllReduceMeasurement | undefined {
  const network = rows.filter((r) => !isShared(r) && isOurs(r) && (r.per_host ?? 1) === 1 && r.algorithm !== 'hierarchical');
  const between = network.filter((r) => r.link_gbps !== undefined);
  return nearest(between.length > 0 ? between : network, ranks, bytes);
}

function nearest(rows: readonly AllReduceMeasurement[], ranks: number, bytes: number): AllReduceMeasurement | undefined {
  return [...rows]
    .filter((r) => r.busbw_gbps > 0)
    .sort((a, b) => Math.abs(a.ranks - ranks) - Math.abs(b.ranks - ranks) || Math.abs(Math.log(a.bytes / bytes)) - Math.abs(Math.log(b.bytes / bytes)))[0];
}

function describe(r: AllReduceMeasurement): string {
  const where = r.link_gbps !== undefined ? ` between hosts at ${r.link_gbps * 8} Gbit/s` : r.transport ? ` over ${r.transport}` : '';
  return `bench allreduce ${r.ranks} ranks, ${r.bytes} bytes${where}: bus ${r.busbw_gbps.toFixed(3)} GB/s`;
}

function missing(plane: string, ranks: number, bytes: number, flag: string): AllReduceTime {
  return {
    seconds: null,
    basis: [
      `all-reduce: no \`bench allreduce\` measurement ${plane} in the profile (e.g. --ranks ${ranks} --bytes ${Math.max(1, Math.round(bytes / 2 ** 20))}MiB${flag ? ` ${flag}` : ''})`,
    ],
  };
}
