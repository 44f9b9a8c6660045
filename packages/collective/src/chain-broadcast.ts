import { float32Codec } from './element-codec.js';
import type { OpChannel, TensorTag } from './op-channel.js';

const EMPTY = Buffer.alloc(0);

/**
 * Pipelined chain broadcast along the ring: root -> root+1 -> ... -> root-1, then an acknowledgement
 * back to the root.
 *
 * 1. The root sends `data` to its right neighbour in segments (step 0).
 * 2. Every other rank copies each segment into `data` as it arrives and, unless its right neighbour is
 *    the root, forwards the received buffer unchanged (so all links carry data at the same time).
 * 3. The last rank of the chain (root-1) sends an empty step-1 segment to the root.
 * 4. The root resolves when that acknowledgement arrives: everyone has the data, and the root's buffer
 *    is no longer being read by its socket.
 */
export async function chainBroadcast(ch: OpChannel, data: Float32Array, root: number, segment: number): Promise<void> {
  if (ch.worldSize === 1) return;
  const tag: TensorTag = { total: data.length, aux: root };
  if (ch.rank === root) {
    ch.sendRange(0, data, 0, data.length, segment, tag, float32Codec.encode);
    await ch.receive(1, 0, 0, tag);
    return;
  }
  const lastInChain = ch.right === root;
  let pos = 0;
  do {
    const m = await ch.receive(0, pos, data.length, tag);
    const out = float32Codec.store(m.payload, data.subarray(pos, pos + m.count));
    if (!lastInChain) ch.send(0, pos, m.count, tag, out);
    pos += m.count;
  } while (pos < data.length);
  if (lastInChain) ch.send(1, 0, 0, tag, EMPTY);
}
