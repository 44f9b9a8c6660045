import type { CollectiveOp } from './process-group.js';

/**
 * The data-plane wire protocol, version 4. Every message is two frames: a fixed 64-byte little-endian
 * header and a payload (raw little-endian elements for data, a small body for abort, empty otherwise).
 *
 * Header: u32 magic 'ORQC' | u8 version | u8 kind | u8 op | u8 dtype-or-reason | u32 sender |
 *         u32 seq low | u32 seq high | u32 step | u32 offset | u32 count | u32 total | u32 aux |
 *         16 bytes trace id | 8 bytes span id
 *
 * The last 24 bytes carry the sender's trace context (W3C trace id and parent span id, as in a
 * `traceparent` header) for data messages; all zero when the sender has none. Version 1 had no trace
 * context (40-byte header); version 2 had no reduce-scatter and shard-gather operations (op codes 5
 * and 6); version 3 had no native ring: since version 4, right after the hellos every rank all-gathers
 * the endpoint of its native ring and a verdict (attach-native-ring.ts), and the native ring's sockets
 * carry data frames of this same format plus one hello (kind 2, aux = the ring's size) to check them.
 * Peers of different versions reject each other's frames.
 */
export const WIRE_VERSION = 4;
export const WIRE_MAGIC = 0x4351524f; // 'ORQC' read as little-endian u32
export const HEADER_BYTES = 64;
/** Offset of the trace id in the header; the span id follows it. */
export const TRACE_OFFSET = 40;
/** Bytes of trace context: 16 of trace id, 8 of span id. */
export const TRACE_BYTES = 24;

/**
 * A W3C trace context as lowercase hex: the trace a sender's operation belongs to and the span that
 * sent it, so a receiver can link its own spans to the sender's.
 */
export interface TraceContext {
  /** 32 hex digits, not all zero. */
  readonly traceId: string;
  /** 16 hex digits, not all zero. */
  readonly spanId: string;
}

/** Message kinds (header byte 5). */
export const FRAME_KIND = { data: 1, hello: 2, status: 3, abort: 4, bye: 5 } as const;
/** Operation codes (header byte 6). */
export const OP_CODE: Readonly<Record<CollectiveOp, number>> = {
  connect: 0,
  allReduce: 1,
  broadcast: 2,
  allGather: 3,
  barrier: 4,
  reduceScatter: 5,
  shardGather: 6,
};
/** Element types of data payloads (header byte 7 of data messages). */
export const DTYPE = { f32: 0, f16: 1 } as const;
/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<number, number>> = { [DTYPE.f32]: 4, [DTYPE.f16]: 2 };
/** Why a rank aborted (header byte 7 of abort messages). */
export const ABORT_REASON = { timeout: 1, peerLost: 2, mismatch: 3 } as const;

export type Dtype = (typeof DTYPE)[keyof typeof DTYPE];
export type AbortReason = (typeof ABORT_REASON)[keyof typeof ABORT_REASON];

/** A segment of a collective's tensor: elements [offset, offset+count) of a tensor of `total` elements. */
export interface DataMessage {
  readonly kind: 'data';
  readonly sender: number;
  readonly seq: number;
  readonly op: CollectiveOp;
  readonly dtype: Dtype;
  /** Algorithm step the segment belongs to. */
  readonly step: number;
  readonly offset: number;
  readonly count: number;
  readonly total: number;
  /** Per-operation field: the root of a broadcast, the origin rank of an all-gather block. */
  readonly aux: number;
  /** The sender's trace context, when it set one. */
  readonly trace: TraceContext | undefined;
  readonly payload: Buffer;
}
/** Sent once to every peer when the group forms. */
export interface HelloMessage {
  readonly kind: 'hello';
  readonly sender: number;
  readonly worldSize: number;
}
/** "I have entered operation `seq`", broadcast when an operation is slow, so the stuck ranks can be named. */
export interface StatusMessage {
  readonly kind: 'status';
  readonly sender: number;
  readonly seq: number;
}
/** The sender's operation `seq` failed; receivers fail too, naming the same ranks. */
export interface AbortMessage {
  readonly kind: 'abort';
  readonly sender: number;
  readonly seq: number;
  readonly op: CollectiveOp;
  readonly reason: AbortReason;
  readonly waitingFor: readonly number[];
  /** timeoutMs for timeouts, 0 otherwise. */
  readonly timeoutMs: number;
  readonly detail: string;
}
/** The sender closed its group after completing operation `lastSeq`. */
export interface ByeMessage {
  readonly kind: 'bye';
  readonly sender: number;
  readonly lastSeq: number;
}

export type WireMessage = DataMessage | HelloMessage | StatusMessage | AbortMessage | ByeMessage;

const EMPTY = Buffer.alloc(0);

/**
 * The 24 header bytes of a trace context, or undefined for malformed ids (wrong length, not hex, all zero).
 */
export function encodeTraceContext(trace: TraceContext): Buffer | undefined {
  const { traceId, spanId } = trace;
  if (!/^[0-9a-f]{32}$/.test(traceId) || !/^[0-9a-f]{16}$/.test(spanId) || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return Buffer.from(traceId + spanId, 'hex');
}

/** Writes a header; positional arguments keep this hot path free of temporary objects. */
function header(
  kind: number,
  op: number,
  byte7: number,
  sender: number,
  seq: number,
  step: number,
  offset: number,
  count: number,
  total: number,
  aux: number,
  trace?: Buffer,
): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  if (trace === undefined) h.fill(0, TRACE_OFFSET);
  else trace.copy(h, TRACE_OFFSET);
  h.writeUInt32LE(WIRE_MAGIC, 0);
  h[4] = WIRE_VERSION;
  h[5] = kind;
  h[6] = op;
  h[7] = byte7;
  h.writeUInt32LE(sender, 8);
  h.writeUInt32LE(seq % 2 ** 32, 12);
  h.writeUInt32LE(Math.floor(seq / 2 ** 32), 16);
  h.writeUInt32LE(step, 20);
  h.writeUInt32LE(offset, 24);
  h.writeUInt32LE(count, 28);
  h.writeUInt32LE(total, 32);
  h.writeUInt32LE(aux, 36);
  return h;
}

/**
 * Encodes a data message; `payload` is sent as is (not copied). `trace` is the sender's trace context
 * as made by `encodeTraceContext` (24 bytes), or undefined for none.
 */
export function encodeData(m: Omit<DataMessage, 'kind' | 'payload' | 'trace'>, payload: Buffer, trace?: Buffer): Buffer[] {
  return [header(FRAME_KIND.data, OP_CODE[m.op], m.dtype, m.sender, m.seq, m.step, m.offset, m.count, m.total, m.aux, trace), payload];
}

export function encodeHello(sender: number, worldSize: number): Buffer[] {
  return [header(FRAME_KIND.hello, 0, 0, sender, 0, 0, 0, 0, 0, worldSize), EMPTY];
}

export function encodeStatus(sender: number, seq: number): Buffer[] {
  return [header(FRAME_KIND.status, 0, 0, sender, seq, 0, 0, 0, 0, 0), EMPTY];
}

export function encodeBye(sender: number, lastSeq: number): Buffer[] {
  return [header(FRAME_KIND.bye, 0, 0, sender, lastSeq, 0, 0, 0, 0, 0), EMPTY];
}

/** Abort body: u32 n | n x u32 rank | utf-8 detail (at most 1024 bytes). */
export function encodeAbort(m: Omit<AbortMessage, 'kind'>): Buffer[] {
  const detail = Buffer.from(m.detail, 'utf8').subarray(0, 1024);
  const body = Buffer.allocUnsafe(4 + 4 * m.waitingFor.length + detail.length);
  body.writeUInt32LE(m.waitingFor.length, 0);
  m.waitingFor.forEach((r, i) => body.writeUInt32LE(r, 4 + 4 * i));
  detail.copy(body, 4 + 4 * m.waitingFor.length);
  return [header(FRAME_KIND.abort, OP_CODE[m.op], m.reason, m.sender, m.seq, 0, 0, 0, 0, m.timeoutMs), body];
}
