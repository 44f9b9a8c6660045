import type { CollectiveOp } from './process-group.js';
import {
  ABORT_REASON,
  DTYPE_BYTES,
  FRAME_KIND,
  HEADER_BYTES,
  OP_CODE,
  TRACE_BYTES,
  TRACE_OFFSET,
  WIRE_MAGIC,
  WIRE_VERSION,
  type AbortReason,
  type Dtype,
  type TraceContext,
  type WireMessage,
} from './wire.js';

export type DecodeResult = { readonly ok: true; readonly message: WireMessage } | { readonly ok: false; readonly reason: string };

const OPS_BY_CODE = new Map<number, CollectiveOp>(Object.entries(OP_CODE).map(([op, code]) => [code, op as CollectiveOp]));
const ABORT_REASONS = new Set<number>(Object.values(ABORT_REASON));
const MAX_DETAIL_BYTES = 1024;

function reject(reason: string): DecodeResult {
  return { ok: false, reason };
}

/** The header's trace context: undefined when all zero; ids that are zero on one side only are malformed. */
function traceContext(h: Buffer): TraceContext | undefined | null {
  const bytes = h.subarray(TRACE_OFFSET, TRACE_OFFSET + TRACE_BYTES);
  const traceZero = bytes.subarray(0, 16).every((b) => b === 0);
  const spanZero = bytes.subarray(16).every((b) => b === 0);
  if (traceZero && spanZero) return undefined;
  if (traceZero || spanZero) return null;
  const hex = bytes.toString('hex');
  return { traceId: hex.slice(0, 32), spanId: hex.slice(32) };
}

/**
 * Validates and decodes one received message for a group of `worldSize` ranks in which this process is
 * rank `self`. Never throws: anything malformed comes back as `{ ok: false, reason }`.
 */
export function decodeMessage(frames: readonly Buffer[], worldSize: number, self: number): DecodeResult {
  const [h, payload] = frames;
  if (frames.length !== 2 || h === undefined || payload === undefined) return reject(`expected 2 frames, got ${frames.length}`);
  if (h.length !== HEADER_BYTES) return reject(`header of ${h.length} bytes, expected ${HEADER_BYTES}`);
  if (h.readUInt32LE(0) !== WIRE_MAGIC) return reject('bad magic');
  if (h[4] !== WIRE_VERSION) return reject(`unsupported wire version ${h[4]}`);
  const kind = h[5];
  const opCode = h[6] ?? -1;
  const byte7 = h[7] ?? -1;
  const sender = h.readUInt32LE(8);
  if (sender >= worldSize || sender === self) return reject(`invalid sender rank ${sender}`);
  const seqHigh = h.readUInt32LE(16);
  if (seqHigh >= 2 ** 21) return reject('sequence number out of range');
  const seq = seqHigh * 2 ** 32 + h.readUInt32LE(12);
  const aux = h.readUInt32LE(36);
  const emptyPayload = payload.length === 0;

  switch (kind) {
    case FRAME_KIND.data: {
      const op = OPS_BY_CODE.get(opCode);
      if (op === undefined || op === 'connect') return reject(`unknown op code ${opCode}`);
      const bytes = DTYPE_BYTES[byte7];
      if (bytes === undefined) return reject(`unknown dtype ${byte7}`);
      const offset = h.readUInt32LE(24);
      const count = h.readUInt32LE(28);
      const total = h.readUInt32LE(32);
      if (offset + count > total) return reject(`segment [${offset}, ${offset + count}) outside a tensor of ${total}`);
      if (payload.length !== count * bytes) return reject(`payload of ${payload.length} bytes for ${count} elements`);
      const step = h.readUInt32LE(20);
      const trace = traceContext(h);
      if (trace === null) return reject('trace context with a zero trace id or span id');
      return { ok: true, message: { kind: 'data', sender, seq, op, dtype: byte7 as Dtype, step, offset, count, total, aux, trace, payload } };
    }
    case FRAME_KIND.hello:
      if (!emptyPayload) return reject('hello with a payload');
      return { ok: true, message: { kind: 'hello', sender, worldSize: aux } };
    case FRAME_KIND.status:
      if (!emptyPayload) return reject('status with a payload');
      return { ok: true, message: { kind: 'status', sender, seq } };
    case FRAME_KIND.bye:
      if (!emptyPayload) return reject('bye with a payload');
      return { ok: true, message: { kind: 'bye', sender, lastSeq: seq } };
    case FRAME_KIND.abort: {
      const op = OPS_BY_CODE.get(opCode);
      if (op === undefined) return reject(`unknown op code ${opCode}`);
      if (!ABORT_REASONS.has(byte7)) return reject(`unknown abort reason ${byte7}`);
      if (payload.length < 4) return reject('abort without a body');
      const n = payload.readUInt32LE(0);
      if (n > worldSize || payload.length < 4 + 4 * n || payload.length > 4 + 4 * n + MAX_DETAIL_BYTES) return reject('malformed abort body');
      const waitingFor: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = payload.readUInt32LE(4 + 4 * i);
        if (r >= worldSize) return reject(`abort names rank ${r}`);
        waitingFor.push(r);
      }
      const detail = payload.subarray(4 + 4 * n).toString('utf8');
      return { ok: true, message: { kind: 'abort', sender, seq, op, reason: byte7 as AbortReason, waitingFor, timeoutMs: aux, detail } };
    }
    default:
      return reject(`unknown message kind ${kind}`);
  }
}
