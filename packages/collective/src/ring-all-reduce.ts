import type { ElementCodec } from './element-codec.js';
import type { OpChannel, TensorTag } from './op-channel.js';
import { mod, Partition, segmentLength } from './partition.js';

/**
 * Ring all-reduce (reduce-scatter then all-gather; Patarasuk & Yuan 2009), chunked and pipelined.
 * Each rank sends and receives 2(N-1)/N of the tensor, the bandwidth lower bound.
 *
 * 1. Split the tensor into N chunks whose sizes differ by at most one; chunk c starts at rank c.
 * 2. Step 0: send our own chunk `rank` to the right neighbour, in segments of about a quarter chunk
 *    (at most `segment` elements; see segmentLength).
 * 3. For steps t = 0 .. 2N-3, receive chunk (rank - t - 1) mod N from the left neighbour, segment by
 *    segment, and handle each segment as soon as it arrives (so sending, receiving and adding overlap):
 *    a. t < N-2 (reduce-scatter): add our elements into the received segment, forward it as step t+1;
 *    b. t = N-2 (last reduce-scatter step): the sum is final; keep it in `data`, forward it as step t+1;
 *    c. N-1 <= t < 2N-3 (all-gather): copy the final segment into `data`, forward it unchanged;
 *    d. t = 2N-3: copy it into `data`.
 * 4. Received buffers are reused for forwarding; nothing is allocated per element.
 *
 * Every chunk is summed once, in one fixed order (its owner c first, then c+1, ...), and that result is
 * copied to every rank, so all ranks end bit-identical. What `data` sends at step 0 (chunk `rank`) is
 * only overwritten after its reduced value comes back, i.e. after the right neighbour has received it.
 */
export function ringAllReduce(ch: OpChannel, data: Float32Array, codec: ElementCodec, segment: number, stepBase = 0): Promise<void> {
  return ringSteps(ch, data, codec, segment, 0, 2 * ch.worldSize - 3, stepBase);
}

/**
 * The reduce-scatter half of ringAllReduce (steps 0 .. N-2): afterwards this rank's shard, chunk
 * `shardChunk(rank, N)`, holds exactly the bits ringAllReduce leaves there; the other chunks hold
 * partial sums. Each rank sends and receives (N-1)/N of the tensor.
 */
export function ringReduceScatter(ch: OpChannel, data: Float32Array, codec: ElementCodec, segment: number): Promise<void> {
  return ringSteps(ch, data, codec, segment, 0, ch.worldSize - 2);
}

/**
 * The all-gather half of ringAllReduce (steps N-1 .. 2N-3): every rank's shard (chunk
 * `shardChunk(rank, N)`) is copied into `data` on every rank. Each rank sends and receives (N-1)/N.
 */
export function ringShardGather(ch: OpChannel, data: Float32Array, codec: ElementCodec, segment: number): Promise<void> {
  return ringSteps(ch, data, codec, segment, ch.worldSize - 1, 2 * ch.worldSize - 3);
}

/**
 * Steps `first` .. `last` of the ring all-reduce (step numbering as in ringAllReduce; on the wire
 * `stepBase` is added). At step t a rank sends chunk (rank - t) mod N and receives chunk (rank - t - 1)
 * mod N; the step's received buffer is forwarded as step t+1 unless t is `last`.
 */
async function ringSteps(ch: OpChannel, data: Float32Array, codec: ElementCodec, segment: number, first: number, last: number, stepBase = 0): Promise<void> {
  const n = ch.worldSize;
  if (n === 1) return;
  const chunks = new Partition(data.length, n);
  const tag: TensorTag = { total: data.length, aux: 0 };
  const seg = segmentLength(segment, chunks.end(0));
  const sent = mod(ch.rank - first, n);

  ch.sendRange(stepBase + first, data, chunks.start(sent), chunks.end(sent), seg, tag, (s) => codec.encode(s));

  for (let t = first; t <= last; t++) {
    const c = mod(ch.rank - t - 1, n);
    const end = chunks.end(c);
    let pos = chunks.start(c);
    do {
      const m = await ch.receive(stepBase + t, pos, end, tag);
      const local = data.subarray(pos, pos + m.count);
      let out: Buffer;
      if (t < n - 2) out = codec.accumulate(m.payload, local);
      else if (t === n - 2) out = codec.accumulateFinal(m.payload, local);
      else out = codec.store(m.payload, local);
      if (t < last) ch.send(stepBase + t + 1, pos, m.count, tag, out);
      pos += m.count;
    } while (pos < end);
  }
}
