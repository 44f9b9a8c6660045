import { attachNativeRing } from './attach-native-ring.js';
import { CollectiveArgumentError } from './errors.js';
import type { GroupEventListener } from './group-events.js';
import type { NativeRing } from './native-ring.js';
import { hierarchyFor, hostsOf, viewOf } from './placement.js';
import type { RingProcessGroup } from './ring-process-group.js';
import { roomProblem, SHARED_NAME_LENGTH, SharedMemoryFiles } from './shared-memory-files.js';
import type { ZmqGroupConfig } from './zmq-options.js';

/**
 * Decides, for a freshly connected group whose ranks do not all share one host, between the flat ring
 * and the hierarchical all-reduce (hierarchical-all-reduce.ts), and sets the latter up. Collective:
 * every rank calls it at the same point.
 *
 * 1. The placement comes from the endpoints (placement.ts), so every rank computes the same: the
 *    hierarchy needs `algorithm` auto or hierarchical, shared memory not off, and at least two hosts
 *    with the same number (at least two) of ranks each. Otherwise: the flat ring, and an event says why.
 * 2. Each rank creates its shared-memory files; the names are all-gathered and every rank opens those of
 *    the ranks on its host (a rank that cannot, because its "host" is not one machine, says so).
 * 3. Unless `transport` is js, the ranks open the native cross-host rings (one per local position,
 *    attach-native-ring.ts); otherwise, or where they cannot, the cross-host step runs the TypeScript ring.
 * 4. All-gather the verdicts: the hierarchy is used only if every rank opened its host's files.
 *
 * Resolves with the algorithm used. @throws {CollectiveArgumentError} `algorithm` is hierarchical and
 * it cannot be used. @throws the group's errors from the all-gathers.
 */
export async function attachHierarchy(
  group: RingProcessGroup,
  config: Pick<ZmqGroupConfig, 'rank' | 'endpoints' | 'sharedMemory' | 'sharedMemoryDir' | 'sharedMemoryLimitBytes' | 'transport' | 'timeoutMs' | 'curve'> & {
    readonly algorithm: 'auto' | 'ring' | 'hierarchical';
  },
  onEvent: GroupEventListener | undefined,
): Promise<'ring' | 'hierarchical'> {
  const refuse = (why: string): 'ring' => {
    if (config.algorithm === 'hierarchical')
      throw new CollectiveArgumentError({ op: 'createZmqProcessGroup', seq: null, rank: config.rank }, 'algorithm', `hierarchical was required but ${why}`);
    onEvent?.({ type: 'algorithm', algorithm: 'ring', detail: `flat ring: ${why}` });
    return 'ring';
  };
  if (config.algorithm === 'ring') return refuse('collective algorithm ring');
  const hosts = hostsOf(config.endpoints);
  const planned = hierarchyFor(hosts, config.rank);
  if ('reason' in planned) return refuse(planned.reason);
  if (config.sharedMemory === 'off') return refuse('shared memory is off');
  const { local, cross } = planned.hierarchy;
  const L = local.members.length;

  let files: SharedMemoryFiles | undefined;
  let problem = roomProblem(config.sharedMemoryDir, 2 * config.sharedMemoryLimitBytes * L);
  try {
    if (problem === undefined) files = SharedMemoryFiles.create(config.sharedMemoryDir, local.position, L);
  } catch (error) {
    problem = `rank ${config.rank} cannot create files in ${config.sharedMemoryDir}: ${(error as Error).message}`;
  }
  let native: NativeRing | undefined;
  try {
    const names = await group.allGather(files?.name ?? new Float32Array(SHARED_NAME_LENGTH));
    if (files !== undefined) problem ??= files.openPeers(local.members.map((r) => names[r] as Float32Array));
    if (config.transport !== 'js')
      native = await attachNativeRing(group, config, cross, {
        suffix: 'cross',
        required: config.transport === 'native',
        onEvent,
        scope: 'cross-host',
      });
    // A rank that sees the verdicts first may send its first hierarchical frame at once.
    const undoAccept = group.acceptDataFrom([viewOf(local).left, viewOf(cross).left]);
    const verdicts = await group.allGather(Float32Array.of(problem === undefined ? 1 : 0));
    files?.unlinkOwn();
    const refusing = verdicts.flatMap((v, rank) => (v[0] === 1 ? [] : [rank]));
    if (files !== undefined && refusing.length === 0) {
      group.useHierarchy({ files, limitBytes: config.sharedMemoryLimitBytes, local, cross, native });
      onEvent?.({
        type: 'algorithm',
        algorithm: 'hierarchical',
        detail:
          `hierarchical: ${hosts.length} hosts x ${L} ranks; reduce within each host through ${config.sharedMemoryDir}, ` +
          `one ${native === undefined ? 'TypeScript' : 'native'} ring per local rank across hosts (all-reduces up to ${config.sharedMemoryLimitBytes} bytes)`,
      });
      return 'hierarchical';
    }
    undoAccept();
    files?.close();
    await native?.close();
    return refuse(problem ?? `rank(s) ${refusing.join(', ')} cannot share memory with the ranks of their host`);
  } catch (error) {
    files?.close();
    await native?.close();
    throw error;
  }
}
