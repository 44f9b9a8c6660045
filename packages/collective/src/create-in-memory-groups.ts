import { systemClock, type Clock } from './clock.js';
import { CollectiveArgumentError } from './errors.js';
import type { GroupEventListener } from './group-events.js';
import { InMemoryNetwork } from './in-memory-network.js';
import type { ProcessGroup } from './process-group.js';
import { RingProcessGroup } from './ring-process-group.js';

export interface InMemoryGroupOptions {
  /** Milliseconds without progress before an operation fails. Defaults to 30000. */
  readonly timeoutMs?: number;
  /** Bytes per pipelined segment. Defaults to 64 KiB (small, so tests cross many segments). */
  readonly segmentBytes?: number;
  /** Time source of deadlines. Defaults to the system clock. */
  readonly clock?: Clock;
  /** Receives every group's events, with the reporting rank. */
  readonly onEvent?: (rank: number, ...event: Parameters<GroupEventListener>) => void;
}

/**
 * `worldSize` connected process groups inside this process, one per rank, for unit tests of code that
 * uses a ProcessGroup. They run the same algorithms as the ZeroMQ groups; messages are copied between
 * in-memory queues. Call every rank's operations concurrently (e.g. with Promise.all).
 */
export function createInMemoryGroups(worldSize: number, options: InMemoryGroupOptions = {}): ProcessGroup[] {
  return createInMemoryNetworkGroups(worldSize, options).groups;
}

/** The groups plus their network, to kill ranks or inject frames in failure tests. */
export function createInMemoryNetworkGroups(worldSize: number, options: InMemoryGroupOptions = {}): { network: InMemoryNetwork; groups: RingProcessGroup[] } {
  if (!Number.isInteger(worldSize) || worldSize < 1) {
    throw new CollectiveArgumentError({ op: 'createInMemoryGroups', seq: null, rank: -1 }, 'worldSize', `expected a positive integer, got ${worldSize}`);
  }
  const network = new InMemoryNetwork(worldSize);
  const groups = network.transports.map((transport) => {
    const group = new RingProcessGroup(transport, {
      timeoutMs: options.timeoutMs ?? 30_000,
      segmentBytes: options.segmentBytes ?? 64 * 1024,
      peerLossGraceMs: 0,
      closeWaitMs: Math.min(1000, options.timeoutMs ?? 30_000),
      clock: options.clock ?? systemClock,
      onEvent: options.onEvent === undefined ? undefined : (event) => options.onEvent?.(transport.rank, event),
    });
    group.assumeConnected();
    return group;
  });
  return { network, groups };
}
