import type { GroupEventListener } from './group-events.js';
import type { RingProcessGroup } from './ring-process-group.js';
import { roomProblem, SHARED_NAME_LENGTH, SharedMemoryFiles } from './shared-memory-files.js';

/**
 * Switches a freshly connected group's all-reduces to shared memory when every rank runs on this host.
 * Collective: every rank calls it right after connecting.
 *
 * 1. Check that `dir` has room for every rank's files (2 x `limitBytes` each); create this rank's files
 *    (a zero name when either fails).
 * 2. All-gather the names; open every peer's files by name. A rank on another host (or in a container
 *    with its own `dir`) finds none.
 * 3. All-gather the verdicts and limits (which proves every rank has opened what it could); unlink
 *    our files.
 * 4. Every rank could open every file and all limits agree (so every rank takes the same path for each
 *    all-reduce): use them. Otherwise close them and keep the ring.
 *
 * Resolves with whether shared memory is used; reports the outcome as a 'shared-memory' event.
 * @throws the group's errors (CollectiveTimeoutError, PeerLostError, ...) from the two all-gathers.
 */
export async function attachSharedMemory(group: RingProcessGroup, dir: string, limitBytes: number, onEvent: GroupEventListener | undefined): Promise<boolean> {
  let files: SharedMemoryFiles | undefined;
  let problem = roomProblem(dir, 2 * limitBytes * group.worldSize);
  try {
    if (problem === undefined) files = SharedMemoryFiles.create(dir, group.rank, group.worldSize);
  } catch (error) {
    problem = `rank ${group.rank} cannot create files in ${dir}: ${(error as Error).message}`;
  }
  try {
    const names = await group.allGather(files?.name ?? new Float32Array(SHARED_NAME_LENGTH));
    problem ??= files?.openPeers(names);
    // the limit as two exact 16-bit halves of its 64 KiB units and its remainder
    const verdicts = await group.allGather(Float32Array.of(problem === undefined ? 1 : 0, Math.floor(limitBytes / 65536), limitBytes % 65536));
    files?.unlinkOwn();
    const refusing = verdicts.flatMap((v, rank) => (v[0] === 1 ? [] : [rank]));
    const limits = verdicts.map((v) => (v[1] as number) * 65536 + (v[2] as number));
    if (refusing.length === 0 && limits.some((l) => l !== limitBytes)) problem = `the ranks' shared-memory limits differ (${limits.join(', ')} bytes)`;
    if (files !== undefined && refusing.length === 0 && problem === undefined) {
      group.useSharedMemory(files, limitBytes);
      onEvent?.({ type: 'shared-memory', enabled: true, detail: `all ${group.worldSize} ranks on this host: all-reduces through ${dir}` });
      return true;
    }
    onEvent?.({
      type: 'shared-memory',
      enabled: false,
      detail: problem ?? `rank(s) ${refusing.join(', ')} cannot reach every rank's files: all-reduces over the network`,
    });
    files?.close();
    return false;
  } catch (error) {
    files?.close();
    throw error;
  }
}
