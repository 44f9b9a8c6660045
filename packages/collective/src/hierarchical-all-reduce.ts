import type { OpChannel, RingView } from './op-channel.js';
import { Partition, shardRange } from './partition.js';
import { sharedMemoryReduceScatter, sharedMemoryShardGather, type SharedMemoryOp } from './shared-memory-all-reduce.js';

/** One hierarchical all-reduce's inputs. */
export interface HierarchicalOp {
  /** The host's shared-memory files (indexed by local position, `members` giving group ranks). */
  readonly shared: SharedMemoryOp;
  /** This rank's ring within its host and its ring across hosts. */
  readonly local: RingView;
  readonly cross: RingView;
  /** Elements per piece: the unit of the pipeline (about 8 segments). */
  readonly piece: number;
  /**
   * All-reduces (sum) `part` among the ranks of `ch`'s ring (the cross-host ring), its steps numbered
   * from `stepBase`.
   */
  crossAllReduce(ch: OpChannel, part: Float32Array, stepBase: number): Promise<void>;
  /** Whether crossAllReduce runs off the JavaScript thread (the native ring), so pieces can overlap. */
  readonly crossRunsAside: boolean;
}

/**
 * All-reduce (sum) for H hosts of L ranks each, one ring per local rank across hosts (as NCCL's
 * hierarchical algorithms do): each rank carries 1/L of the tensor across hosts, so a host sends
 * 2(H-1)/H of the tensor over its link instead of the flat ring's 2(HL-1)/HL.
 *
 * The tensor is cut into P pieces (a Partition of `piece`-sized parts); for each piece k in order:
 * 1. Within the host, through shared memory (the files' region of piece k): reduce-scatter over a
 *    Partition(piece length, L); local position p ends with the host's sum of its shard (chunk
 *    shardChunk(p, L), summed in the shared-memory order). Token steps 2Lk...
 * 2. Across hosts: the ranks at local position p of every host all-reduce that shard in a ring (steps
 *    from k(2H-2); the frames come from another left neighbour than the host ring's). On the native
 *    ring this runs aside while step 1 of the next piece runs here: the host's copies overlap the
 *    network's transfers.
 * Then, for each piece k in order, once its step 2 is done:
 * 3. Within the host, through shared memory: every rank copies every shard (token steps 2Lk+L-1...).
 *
 * Every element is summed once per host by one rank, then once across hosts in the cross ring's fixed
 * order, and copied: every rank ends bit-identical, and runs repeat bit for bit. (The order differs from
 * the flat ring's, so the bits may differ from a flat all-reduce.)
 */
export async function hierarchicalAllReduce(ch: OpChannel, data: Float32Array, op: HierarchicalOp): Promise<void> {
  const [L, H] = [op.local.size, op.cross.size];
  const [local, cross] = [ch.on(op.local), ch.on(op.cross)];
  const pieces = new Partition(data.length, Math.max(1, Math.ceil(data.length / op.piece)));
  const crossed: Promise<void>[] = [];
  const pieceOf = (k: number): { piece: Float32Array; shared: SharedMemoryOp } => ({
    piece: data.subarray(pieces.start(k), pieces.end(k)),
    shared: { ...op.shared, base: pieces.start(k), stepBase: 2 * L * k },
  });
  for (let k = 0; k < pieces.parts; k++) {
    const { piece, shared } = pieceOf(k);
    await sharedMemoryReduceScatter(local, piece, shared);
    const { start, end } = shardRange(piece.length, op.local.position, L);
    const done = op.crossAllReduce(cross, piece.subarray(start, end), k * (2 * H - 2));
    done.catch(() => undefined); // awaited below; a failure fails the group, which ends the other steps too
    crossed.push(done);
    if (!op.crossRunsAside) await done;
  }
  for (let k = 0; k < pieces.parts; k++) {
    await crossed[k];
    const { piece, shared } = pieceOf(k);
    await sharedMemoryShardGather(local, piece, shared, L - 1);
  }
}
