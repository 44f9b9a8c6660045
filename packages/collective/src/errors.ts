/** Machine-readable codes of this package's errors, one per failure mode. */
export const COLLECTIVE_ERROR_CODE = {
  timeout: 'COLLECTIVE_TIMEOUT',
  peerLost: 'COLLECTIVE_PEER_LOST',
  mismatch: 'COLLECTIVE_MISMATCH',
  closed: 'COLLECTIVE_GROUP_CLOSED',
  invalidArgument: 'COLLECTIVE_INVALID_ARGUMENT',
} as const;

export type CollectiveErrorCode = (typeof COLLECTIVE_ERROR_CODE)[keyof typeof COLLECTIVE_ERROR_CODE];

/** Where an error happened: the failing call on this rank. */
export interface CollectiveErrorContext {
  /** The operation that failed ('connect' while the group forms; the method name for argument errors). */
  readonly op: string;
  /** Its sequence number on the group (0 for 'connect'); null when the call never got one. */
  readonly seq: number | null;
  /** The rank that raised the error (-1 when a factory rejects its options before a rank is known). */
  readonly rank: number;
}

/**
 * Base of every error this package throws. Recovery: for timeouts, lost peers, mismatches and closed
 * groups the group is unusable; close it and form a new one (restore from the last checkpoint).
 * CollectiveArgumentError is a programming error.
 */
export abstract class CollectiveError extends Error {
  abstract readonly code: CollectiveErrorCode;
  readonly op: string;
  readonly seq: number | null;
  readonly rank: number;
  /** The ranks this rank was waiting for (the suspected culprits); empty when none is to blame. */
  readonly waitingFor: readonly number[];

  constructor(message: string, context: CollectiveErrorContext, waitingFor: readonly number[], options?: ErrorOptions) {
    super(message, options);
    this.op = context.op;
    this.seq = context.seq;
    this.rank = context.rank;
    this.waitingFor = [...waitingFor];
  }
}

/** Names the operation as `allReduce #12` in messages. */
export function describeOp(context: CollectiveErrorContext): string {
  return context.seq === null ? context.op : `${context.op} #${context.seq}`;
}

/** Names ranks as `rank 2` or `ranks 1, 3` in messages. */
export function describeRanks(ranks: readonly number[]): string {
  return ranks.length === 1 ? `rank ${ranks[0]}` : `ranks ${ranks.join(', ')}`;
}

function reportedBy(context: CollectiveErrorContext, detectedBy: number): string {
  return detectedBy === context.rank ? '' : ` (reported by rank ${detectedBy})`;
}

/** No progress for `timeoutMs` while waiting; `waitingFor` names the ranks that did not take part. */
export class CollectiveTimeoutError extends CollectiveError {
  readonly code = COLLECTIVE_ERROR_CODE.timeout;
  readonly timeoutMs: number;
  /** The rank whose deadline expired first (this rank, or the peer that told it). */
  readonly detectedBy: number;

  constructor(context: CollectiveErrorContext, detail: { waitingFor: readonly number[]; timeoutMs: number; detectedBy: number }, options?: ErrorOptions) {
    super(
      `rank ${context.rank}: ${describeOp(context)} timed out after ${detail.timeoutMs} ms waiting for ${describeRanks(detail.waitingFor)}${reportedBy(context, detail.detectedBy)}`,
      context,
      detail.waitingFor,
      options,
    );
    this.name = 'CollectiveTimeoutError';
    this.timeoutMs = detail.timeoutMs;
    this.detectedBy = detail.detectedBy;
  }
}

/** A peer died, lost its connection, or closed its group before this operation. */
export class PeerLostError extends CollectiveError {
  readonly code = COLLECTIVE_ERROR_CODE.peerLost;
  readonly detectedBy: number;
  /** What happened to the peer, e.g. 'disconnected' or 'closed its group after #7'. */
  readonly reason: string;

  constructor(context: CollectiveErrorContext, detail: { waitingFor: readonly number[]; detectedBy: number; reason: string }, options?: ErrorOptions) {
    super(
      `rank ${context.rank}: ${describeOp(context)} failed: ${describeRanks(detail.waitingFor)} ${detail.reason}${reportedBy(context, detail.detectedBy)}`,
      context,
      detail.waitingFor,
      options,
    );
    this.name = 'PeerLostError';
    this.detectedBy = detail.detectedBy;
    this.reason = detail.reason;
  }
}

/** Ranks called different operations, or passed different lengths or roots, at the same sequence number. */
export class CollectiveMismatchError extends CollectiveError {
  readonly code = COLLECTIVE_ERROR_CODE.mismatch;
  readonly detectedBy: number;
  /** What differs, e.g. 'rank 3 called broadcast'. */
  readonly detail: string;

  constructor(context: CollectiveErrorContext, detail: { waitingFor: readonly number[]; detectedBy: number; detail: string }, options?: ErrorOptions) {
    super(
      `rank ${context.rank}: ${describeOp(context)} does not match: ${detail.detail}${reportedBy(context, detail.detectedBy)}`,
      context,
      detail.waitingFor,
      options,
    );
    this.name = 'CollectiveMismatchError';
    this.detectedBy = detail.detectedBy;
    this.detail = detail.detail;
  }
}

/** The group was closed by this rank (operations queued at that moment are rejected too). */
export class GroupClosedError extends CollectiveError {
  readonly code = COLLECTIVE_ERROR_CODE.closed;

  constructor(context: CollectiveErrorContext, options?: ErrorOptions) {
    super(`rank ${context.rank}: ${describeOp(context)} cannot run: the group is closed`, context, [], options);
    this.name = 'GroupClosedError';
  }
}

/** An invalid argument or option; `field` names it and the message quotes the value. */
export class CollectiveArgumentError extends CollectiveError {
  readonly code = COLLECTIVE_ERROR_CODE.invalidArgument;
  readonly field: string;

  constructor(context: CollectiveErrorContext, field: string, message: string, options?: ErrorOptions) {
    super(`${context.op}: ${field}: ${message}`, context, [], options);
    this.name = 'CollectiveArgumentError';
    this.field = field;
  }
}
