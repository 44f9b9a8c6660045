import type { OpChannel, RingView } from './op-channel.js';
import { shardRange } from './partition.js';
import { sharedMemoryReduceScatter, sharedMemoryShardGather, type SharedMemoryOp } from './shared-memory-all-reduce.js';

/** One hierarchical all-reduce's inputs. */
export interface HierarchicalOp {
  /** The host's shared-memory files (indexed by local position, `members` giving group ranks). */
  readonly shared: SharedMemoryOp;
  /** This rank's ring within its host and its ring across hosts. */
  readonly local: RingView;
  readonly cross: RingView;
  /** All-reduces (sum) `part` among the ranks of `ch`'s ring (the cross-host ring): native or TypeScript. */
  crossAllReduce(ch: OpChannel, part: Float32Array): Promise<void>;
}

/**
 * All-reduce (sum) for H hosts of L ranks each, one ring per local rank across hosts (as NCCL's
 * hierarchical algorithms do): each rank carries 1/L of the tensor across hosts, so a host sends
 * 2(H-1)/H of the tensor over its link instead of the flat ring's 2(HL-1)/HL.
 *
 * 1. Within the host, through shared memory: reduce-scatter over a Partition(length, L); local position
 *    p ends with the host's sum of its shard (chunk shardChunk(p, L), summed in the shared-memory order).
 * 2. Across hosts: the ranks at local position p of every host all-reduce that shard in a ring
 *    (steps numbered from 0; the frames come from another left neighbour than the host ring's).
 * 3. Within the host, through shared memory: every rank copies every shard (token steps L-1..).
 *
 * Every element is summed once per host by one rank, then once across hosts in the cross ring's fixed
 * order, and copied: every rank ends bit-identical, and runs repeat bit for bit. (The order differs from
 * the flat ring's, so the bits may differ from a flat all-reduce.)
 */
export async function hierarchicalAllReduce(ch: OpChannel, data: Float32Array, op: HierarchicalOp): Promise<void> {
  const local = ch.on(op.local);
  await sharedMemoryReduceScatter(local, data, op.shared);
  const { start, end } = shardRange(data.length, op.local.position, op.local.size);
  await op.crossAllReduce(ch.on(op.cross), data.subarray(start, end));
  await sharedMemoryShardGather(local, data, op.shared, op.local.size - 1);
}
