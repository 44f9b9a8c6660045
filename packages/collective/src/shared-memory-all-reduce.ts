import { bytesOf, addInto } from './kernels.js';
import type { OpChannel, TensorTag } from './op-channel.js';
import { Partition } from './partition.js';
import { ringToken } from './ring-barrier.js';
import { SharedFileIoError, type SharedMemoryFiles } from './shared-memory-files.js';

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
 * `scratch` holds one segment of a peer's chunk (its length is the segment size).
 */
export async function sharedMemoryAllReduce(ch: OpChannel, data: Float32Array, files: SharedMemoryFiles, parity: number, scratch: Float32Array): Promise<void> {
  const n = ch.worldSize;
  if (n === 1) return;
  const chunks = new Partition(data.length, n);
  const tag: TensorTag = { total: data.length, aux: 0 };
  const bytes = bytesOf(data);
  const [own, ownEnd] = [chunks.start(ch.rank), chunks.end(ch.rank)];
  try {
    if (own > 0) files.write(parity, bytes.subarray(0, own * 4), 0);
    if (ownEnd < data.length) files.write(parity, bytes.subarray(ownEnd * 4), ownEnd * 4);
    await ringToken(ch, 0, tag);

    const scratchBytes = bytesOf(scratch);
    for (let peer = 0; peer < n; peer++) {
      if (peer === ch.rank) continue;
      for (let pos = own; pos < ownEnd; pos += scratch.length) {
        const count = Math.min(scratch.length, ownEnd - pos);
        files.read(parity, peer, scratchBytes.subarray(0, count * 4), pos * 4);
        addInto(data.subarray(pos, pos + count), scratch.subarray(0, count));
      }
    }
    if (ownEnd > own) files.write(parity, bytes.subarray(own * 4, ownEnd * 4), own * 4);
    await ringToken(ch, n - 1, tag);

    for (let peer = 0; peer < n; peer++) {
      const [start, end] = [chunks.start(peer), chunks.end(peer)];
      if (peer !== ch.rank && end > start) files.read(parity, peer, bytes.subarray(start * 4, end * 4), start * 4);
    }
  } catch (error) {
    throw failWith(ch, error);
  }
}

/**
 * An I/O failure breaks the group: peers learn which rank's memory failed (as a lost rank). Other errors
 * (the token rounds' collective errors) pass through unchanged.
 */
function failWith(ch: OpChannel, error: unknown): Error {
  if (!(error instanceof SharedFileIoError)) return error instanceof Error ? error : new Error(String(error));
  return ch.fail({ kind: 'peer-lost', waitingFor: [error.owner], detectedBy: ch.rank, reason: error.message });
}
