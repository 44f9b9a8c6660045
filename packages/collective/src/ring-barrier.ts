import type { OpChannel, TensorTag } from './op-channel.js';

const EMPTY = Buffer.alloc(0);
const TAG: TensorTag = { total: 0, aux: 0 };

/**
 * Ring barrier.
 *
 * 1. Send an empty step-0 token to the right neighbour.
 * 2. For t = 0 .. N-2: receive the step-t token from the left; it proves ranks rank-1 .. rank-1-t have
 *    entered. Unless t = N-2, pass it on as step t+1.
 * 3. After step N-2 every other rank is known to have entered.
 */
export async function ringBarrier(ch: OpChannel): Promise<void> {
  const n = ch.worldSize;
  if (n === 1) return;
  ch.send(0, 0, 0, TAG, EMPTY);
  for (let t = 0; t <= n - 2; t++) {
    await ch.receive(t, 0, 0, TAG);
    if (t < n - 2) ch.send(t + 1, 0, 0, TAG, EMPTY);
  }
}
