import {
  CollectiveMismatchError,
  CollectiveTimeoutError,
  GroupClosedError,
  PeerLostError,
  type CollectiveError,
  type CollectiveErrorContext,
} from './errors.js';
import type { CollectiveOp } from './process-group.js';
import { ABORT_REASON, encodeAbort, type AbortMessage } from './wire.js';

/** Why a group broke: kept by the group so that the failing call and every later call get a matching error. */
export type Failure =
  | { readonly kind: 'timeout'; readonly waitingFor: readonly number[]; readonly detectedBy: number; readonly timeoutMs: number }
  | { readonly kind: 'peer-lost'; readonly waitingFor: readonly number[]; readonly detectedBy: number; readonly reason: string }
  | { readonly kind: 'mismatch'; readonly waitingFor: readonly number[]; readonly detectedBy: number; readonly detail: string }
  | { readonly kind: 'closed' };

/** The error a call `context` rejects with once the group has failed with `failure`. */
export function errorFor(failure: Failure, context: CollectiveErrorContext): CollectiveError {
  switch (failure.kind) {
    case 'timeout':
      return new CollectiveTimeoutError(context, failure);
    case 'peer-lost':
      return new PeerLostError(context, failure);
    case 'mismatch':
      return new CollectiveMismatchError(context, failure);
    case 'closed':
      return new GroupClosedError(context);
    default: {
      const never: never = failure;
      throw new Error(`unhandled failure ${String(never)}`);
    }
  }
}

/** The abort message that tells peers about a failure this rank detected (none for a local close). */
export function abortFrames(failure: Failure, sender: number, op: CollectiveOp, seq: number): Buffer[] | undefined {
  switch (failure.kind) {
    case 'timeout':
      return encodeAbort({ sender, seq, op, reason: ABORT_REASON.timeout, waitingFor: failure.waitingFor, timeoutMs: failure.timeoutMs, detail: '' });
    case 'peer-lost':
      return encodeAbort({ sender, seq, op, reason: ABORT_REASON.peerLost, waitingFor: failure.waitingFor, timeoutMs: 0, detail: failure.reason });
    case 'mismatch':
      return encodeAbort({ sender, seq, op, reason: ABORT_REASON.mismatch, waitingFor: failure.waitingFor, timeoutMs: 0, detail: failure.detail });
    case 'closed':
      return undefined;
    default: {
      const never: never = failure;
      throw new Error(`unhandled failure ${String(never)}`);
    }
  }
}

/** The failure a peer's abort message reports. */
export function failureFromAbort(m: AbortMessage): Failure {
  const base = { waitingFor: m.waitingFor, detectedBy: m.sender };
  switch (m.reason) {
    case ABORT_REASON.timeout:
      return { kind: 'timeout', ...base, timeoutMs: m.timeoutMs };
    case ABORT_REASON.peerLost:
      return { kind: 'peer-lost', ...base, reason: m.detail };
    case ABORT_REASON.mismatch:
      return { kind: 'mismatch', ...base, detail: m.detail };
    default: {
      const never: never = m.reason;
      throw new Error(`unhandled abort reason ${String(never)}`);
    }
  }
}
