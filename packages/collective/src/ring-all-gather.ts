import { float32Codec } from './element-codec.js';
import { bytesOf } from './kernels.js';
import type { OpChannel, TensorTag } from './op-channel.js';
import { mod } from './partition.js';

/**
 * Ring all-gather of blocks that may differ in length.
 *
 * 1. Copy our block (so later changes to `data` cannot reach the wire) and send it right as step 0.
 * 2. For steps t = 0 .. N-2, receive the block of rank (rank - t - 1) mod N from the left neighbour,
 *    segment by segment; its first segment carries its length. Copy each segment into that rank's
 *    result array and, unless t = N-2, forward the received buffer unchanged as step t+1.
 * 3. Resolve with the N arrays, indexed by rank.
 */
export async function ringAllGather(ch: OpChannel, data: Float32Array, segment: number): Promise<Float32Array[]> {
  const n = ch.worldSize;
  const blocks: Float32Array[] = new Array<Float32Array>(n);
  blocks[ch.rank] = data.slice();
  if (n === 1) return blocks;
  const outgoing = data.slice();
  ch.sendRange(0, outgoing, 0, outgoing.length, segment, { total: outgoing.length, aux: ch.rank }, (s) => bytesOf(s));

  for (let t = 0; t <= n - 2; t++) {
    const origin = mod(ch.rank - t - 1, n);
    const first = await ch.receive(t, 0, null, { aux: origin });
    const tag: TensorTag = { total: first.total, aux: origin };
    const block = new Float32Array(first.total);
    blocks[origin] = block;
    let m = first;
    let pos = 0;
    for (;;) {
      const out = float32Codec.store(m.payload, block.subarray(pos, pos + m.count));
      if (t < n - 2) ch.send(t + 1, pos, m.count, tag, out);
      pos += m.count;
      if (pos >= block.length) break;
      m = await ch.receive(t, pos, block.length, tag);
    }
  }
  return blocks;
}
