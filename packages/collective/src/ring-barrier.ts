import type { OpChannel, TensorTag } from './op-channel.js';

const EMPTY = Buffer.alloc(0);
const TAG: TensorTag = { total: 0, aux: 0 };

/** Ring barrier: ringToken from step 0 with an empty tensor tag. */
export function ringBarrier(ch: OpChannel): Promise<void> {
  return ringToken(ch, 0, TAG);
}

/**
 * Passes an empty token once around the ring, using steps `first` .. `first` + N-2 of the operation.
 *
 * 1. Send the first token to the right neighbour.
 * 2. For t = 0 .. N-2: receive step first+t from the left; it proves ranks rank-1 .. rank-1-t have
 *    reached this point. Unless t = N-2, pass it on as step first+t+1.
 * 3. After step first+N-2 every other rank is known to have reached it.
 *
 * The tokens carry `tag`, so ranks that disagree on it (a tensor's length) fail with a mismatch here.
 */
export async function ringToken(ch: OpChannel, first: number, tag: TensorTag): Promise<void> {
  const n = ch.worldSize;
  if (n === 1) return;
  ch.send(first, 0, 0, tag, EMPTY);
  for (let t = 0; t <= n - 2; t++) {
    await ch.receive(first + t, 0, 0, tag);
    if (t < n - 2) ch.send(first + t + 1, 0, 0, tag, EMPTY);
  }
}
