import { bytesOf, addInto } from './kernels.js';
import type { OpChannel, TensorTag } from './op-channel.js';
import { Partition } from './partition.js';
import { ringToken } from './ring-barrier.js';
import { SharedFileIoError, type SharedMemoryFiles } from './shared-memory-files.js';

/** One shared-memory operation's inputs: the group's files, this operation's parity and the scratch segments. */
export interface SharedMemoryOp {
  readonly files: SharedMemoryFiles;
  /** Alternates between consecutive shared-memory operations of the group (see sharedMemoryAllReduce). */
  readonly parity: number;
  /** Two buffers of one segment each (their length is the segment size). */
  readonly scratch: readonly [Float32Array, Float32Array];
  /** The group rank of each file owner when the files belong to a sub-ring (a host's ranks); default: the same numbers. */
  readonly members?: readonly number[];
  /** Where `data` starts in the files, in elements (pieces of one tensor use their own regions); default 0. */
  readonly base?: number;
  /** Added to the token rounds' step numbers (pieces of one operation use their own); default 0. */
  readonly stepBase?: number;
}

/**
 * All-reduce (sum) for ranks that share one host's memory: reduce-scatter and all-gather through the
 * ranks' shared files instead of the network. Each rank moves about 3x the tensor's bytes through memory
 * and makes two passes of a token around the ring (no tensor bytes on a socket).
 *
 * 1. Split the tensor into N chunks (as the ring does); write every chunk but our own (`rank`) to our
 *    file of `parity`.
 * 2. Token round 1 (steps 0..N-2): every rank has written; ranks passing another length fail here.
 * 3. Reduce our chunk: add each peer's copy of it, read from the peer's file segment by segment, in rank
 *    order. This rank is the only one summing this chunk, so every rank ends bit-identical.
 * 4. Write the reduced chunk to our file; token round 2 (steps N-1..2N-3): every chunk is reduced.
 * 5. Read every other chunk, reduced by its owner, straight into `data`.
 *
 * `parity` must alternate between consecutive shared-memory operations of the group: a rank writes the
 * file of one parity again only after the next operation's first token round, i.e. after every rank
 * finished reading the previous operation's files.
 */
export async function sharedMemoryAllReduce(ch: OpChannel, data: Float32Array, op: SharedMemoryOp): Promise<void> {
  if (ch.worldSize === 1) return;
  await guarded(ch, op, async () => {
    await reduceChunk(ch, data, op, OWNERS.allReduce);
    await gatherChunks(ch, data, op, OWNERS.allReduce, ch.worldSize - 1);
  });
}

/**
 * Reduce-scatter through shared memory: afterwards this rank's shard (chunk `shardChunk(rank, N)`, see partition.ts)
 * holds exactly the bits sharedMemoryAllReduce leaves there (chunk c is summed from rank c's copy, then
 * the others in rank order, whoever sums it). Steps 1-3 of sharedMemoryAllReduce, for the shard.
 */
export async function sharedMemoryReduceScatter(ch: OpChannel, data: Float32Array, op: SharedMemoryOp): Promise<void> {
  if (ch.worldSize === 1) return;
  await guarded(ch, op, () => reduceChunk(ch, data, op, OWNERS.shards));
}

/**
 * Every rank's shard copied into `data` on every rank through shared memory (steps 4-5 of
 * sharedMemoryAllReduce); its token round uses steps `tokenStep`.. (0 alone, N-1 after a reduce-scatter
 * of the same operation).
 */
export async function sharedMemoryShardGather(ch: OpChannel, data: Float32Array, op: SharedMemoryOp, tokenStep = 0): Promise<void> {
  if (ch.worldSize === 1) return;
  await guarded(ch, op, () => gatherChunks(ch, data, op, OWNERS.shards, tokenStep));
}

/**
 * Which rank sums (owns) which chunk: in an all-reduce rank c owns chunk c (shift 0); after a
 * reduce-scatter rank c - 1 does (shift 1, shardChunk), as in the ring.
 */
const OWNERS = { allReduce: 0, shards: 1 } as const;
type Owners = (typeof OWNERS)[keyof typeof OWNERS];

/** Writes every chunk but ours, waits for every rank to have written, then sums our chunk into `data`. */
async function reduceChunk(ch: OpChannel, data: Float32Array, op: SharedMemoryOp, shift: Owners): Promise<void> {
  const n = ch.worldSize;
  const owned = (ch.rank + shift) % n;
  const { files, parity } = op;
  const chunks = new Partition(data.length, n);
  const bytes = bytesOf(data);
  const [own, ownEnd] = [chunks.start(owned), chunks.end(owned)];
  const at = (op.base ?? 0) * 4;
  if (own > 0) files.write(parity, bytes.subarray(0, own * 4), at);
  if (ownEnd < data.length) files.write(parity, bytes.subarray(ownEnd * 4), at + ownEnd * 4);
  await ringToken(ch, op.stepBase ?? 0, tagOf(data));

  const [scratch, sum] = op.scratch;
  const read = (peer: number, pos: number, count: number, into: Float32Array) => files.read(parity, peer, bytesOf(into).subarray(0, count * 4), at + pos * 4);
  for (let pos = own; pos < ownEnd; pos += scratch.length) {
    const count = Math.min(scratch.length, ownEnd - pos);
    const local = data.subarray(pos, pos + count);
    // The sum starts from the copy of the rank the chunk is named after: in `data` when that is us.
    const acc = owned === ch.rank ? local : sum.subarray(0, count);
    if (owned !== ch.rank) read(owned, pos, count, acc);
    for (let peer = 0; peer < n; peer++) {
      if (peer === owned) continue;
      if (peer === ch.rank) addInto(acc, local);
      else {
        read(peer, pos, count, scratch);
        addInto(acc, scratch.subarray(0, count));
      }
    }
    if (acc !== local) local.set(acc);
  }
}

/** Writes our chunk (final), waits for every rank to have written its own, then reads every other chunk into `data`. */
async function gatherChunks(ch: OpChannel, data: Float32Array, op: SharedMemoryOp, shift: Owners, tokenStep: number): Promise<void> {
  const n = ch.worldSize;
  const owned = (ch.rank + shift) % n;
  const chunks = new Partition(data.length, n);
  const bytes = bytesOf(data);
  const [own, ownEnd] = [chunks.start(owned), chunks.end(owned)];
  const at = (op.base ?? 0) * 4;
  if (ownEnd > own) op.files.write(op.parity, bytes.subarray(own * 4, ownEnd * 4), at + own * 4);
  await ringToken(ch, (op.stepBase ?? 0) + tokenStep, tagOf(data));
  for (let c = 0; c < n; c++) {
    const [start, end] = [chunks.start(c), chunks.end(c)];
    if (c !== owned && end > start) op.files.read(op.parity, (c - shift + n) % n, bytes.subarray(start * 4, end * 4), at + start * 4);
  }
}

const tagOf = (data: Float32Array): TensorTag => ({ total: data.length, aux: 0 });

async function guarded(ch: OpChannel, op: SharedMemoryOp, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    throw failWith(ch, op, error);
  }
}

/**
 * An I/O failure breaks the group: peers learn which rank's memory failed (as a lost rank). Other errors
 * (the token rounds' collective errors) pass through unchanged.
 */
function failWith(ch: OpChannel, op: SharedMemoryOp, error: unknown): Error {
  if (!(error instanceof SharedFileIoError)) return error instanceof Error ? error : new Error(String(error));
  return ch.fail({ kind: 'peer-lost', waitingFor: [op.members?.[error.owner] ?? error.owner], detectedBy: ch.self, reason: error.message });
}
