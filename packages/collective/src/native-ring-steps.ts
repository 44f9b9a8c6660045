import type { Clock, TimerHandle } from './clock.js';
import { errorFor, type Failure } from './failure.js';
import type { NativeRing } from './native-ring.js';
import { NATIVE_RING_CODE } from './native-ring-addon.js';
import type { OpChannel } from './op-channel.js';
import { nativeSegmentLength, Partition } from './partition.js';
import { OP_CODE } from './wire.js';

/** What a native operation needs from its group. */
export interface NativeStepsHost {
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** Largest segment, in elements. */
  readonly maxSegment: number;
  /** The group's failure, once it failed (a cancelled operation rejects with it). */
  failure(): Failure | undefined;
  /** Tells the running operation's watchdog that data arrived. */
  progress(): void;
  /** The operation waits for data from `rank` (see ChannelHost.awaiting); returns the function ending that. */
  awaiting(rank: number): () => void;
}

/**
 * Steps `first`..`last` of the ring all-reduce on a native ring (ring-all-reduce.ts numbering; `stepBase`
 * added on the wire), watched by the operation's watchdog (the ring's received-message count is its
 * progress), cancelled when the group fails. A frame the ring did not expect fails the group as a
 * mismatch naming the left neighbour; a failing socket, as that neighbour lost.
 */
export async function nativeRingSteps(
  ch: OpChannel,
  ring: NativeRing,
  data: Float32Array,
  first: number,
  last: number,
  stepBase: number,
  host: NativeStepsHost,
): Promise<void> {
  const { size, left } = ring.config;
  if (size === 1) return;
  const segment = nativeSegmentLength(host.maxSegment, new Partition(data.length, size).end(0));
  const stop = watchProgress(ring, host);
  const done = host.awaiting(left);
  let result;
  try {
    result = await ring.run({ data, first, last, seq: ch.seq, opCode: OP_CODE[ch.op], segment, stepBase, trace: ch.traceBytes });
  } finally {
    done();
    stop();
  }
  switch (result.code) {
    case NATIVE_RING_CODE.ok:
      return;
    case NATIVE_RING_CODE.cancelled:
      throw errorFor(host.failure() ?? { kind: 'closed' }, ch.context);
    case NATIVE_RING_CODE.mismatch:
      throw ch.fail({ kind: 'mismatch', waitingFor: [left], detectedBy: ch.self, detail: result.detail });
    default:
      throw ch.fail({ kind: 'peer-lost', waitingFor: [left], detectedBy: ch.self, reason: `native ring: ${result.detail}` });
  }
}

/** Reports progress while `ring` receives; returns the function that stops watching. */
function watchProgress(ring: NativeRing, host: NativeStepsHost): () => void {
  const every = Math.max(5, Math.min(250, host.timeoutMs / 8));
  let seen = ring.progress();
  let timer: TimerHandle | undefined;
  const tick = (): void => {
    const now = ring.progress();
    if (now !== seen) {
      seen = now;
      host.progress();
    }
    timer = host.clock.setTimer(every, tick);
  };
  timer = host.clock.setTimer(every, tick);
  return () => timer?.cancel();
}
