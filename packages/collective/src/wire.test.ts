import { describe, expect, it } from 'vitest';
import { decodeMessage } from './wire-decode.js';
import {
  ABORT_REASON,
  DTYPE,
  encodeAbort,
  encodeBye,
  encodeData,
  encodeHello,
  encodeStatus,
  encodeTraceContext,
  HEADER_BYTES,
  TRACE_OFFSET,
  WIRE_VERSION,
} from './wire.js';

const WORLD = 4;
const SELF = 0;

function decoded(frames: Buffer[]): unknown {
  const r = decodeMessage(frames, WORLD, SELF);
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

function reason(frames: Buffer[]): string {
  const r = decodeMessage(frames, WORLD, SELF);
  return r.ok ? 'accepted' : r.reason;
}

describe('wire protocol v2', () => {
  it('round-trips every message kind', () => {
    const payload = Buffer.from(Float32Array.of(1, 2, 3).buffer);
    expect(
      decoded(encodeData({ sender: 3, seq: 2 ** 40 + 5, op: 'allReduce', dtype: DTYPE.f32, step: 4, offset: 10, count: 3, total: 20, aux: 0 }, payload)),
    ).toEqual({
      kind: 'data',
      sender: 3,
      seq: 2 ** 40 + 5,
      op: 'allReduce',
      dtype: DTYPE.f32,
      step: 4,
      offset: 10,
      count: 3,
      total: 20,
      aux: 0,
      trace: undefined,
      payload,
    });
    expect(decoded(encodeHello(1, WORLD))).toEqual({ kind: 'hello', sender: 1, worldSize: WORLD });
    expect(decoded(encodeStatus(2, 9))).toEqual({ kind: 'status', sender: 2, seq: 9 });
    expect(decoded(encodeBye(2, 7))).toEqual({ kind: 'bye', sender: 2, lastSeq: 7 });
    expect(
      decoded(encodeAbort({ sender: 1, seq: 3, op: 'broadcast', reason: ABORT_REASON.timeout, waitingFor: [2, 3], timeoutMs: 1500, detail: 'x' })),
    ).toEqual({
      kind: 'abort',
      sender: 1,
      seq: 3,
      op: 'broadcast',
      reason: ABORT_REASON.timeout,
      waitingFor: [2, 3],
      timeoutMs: 1500,
      detail: 'x',
    });
  });

  it("carries the sender's trace context in the header of data messages", () => {
    const trace = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    const bytes = encodeTraceContext(trace);
    expect(bytes?.length).toBe(24);
    const frames = encodeData({ sender: 1, seq: 1, op: 'allReduce', dtype: DTYPE.f32, step: 0, offset: 0, count: 0, total: 0, aux: 0 }, Buffer.alloc(0), bytes);
    expect((frames[0] as Buffer).subarray(TRACE_OFFSET).toString('hex')).toBe(trace.traceId + trace.spanId);
    expect(decoded(frames)).toMatchObject({ kind: 'data', trace });
    // Malformed ids are refused when encoding, and a half-zero context is refused when decoding.
    expect(encodeTraceContext({ traceId: '0'.repeat(32), spanId: trace.spanId })).toBeUndefined();
    expect(encodeTraceContext({ traceId: trace.traceId, spanId: 'xyz' })).toBeUndefined();
    expect(encodeTraceContext({ traceId: trace.traceId.toUpperCase(), spanId: trace.spanId })).toBeUndefined();
    (frames[0] as Buffer).fill(0, TRACE_OFFSET, TRACE_OFFSET + 16);
    expect(reason(frames)).toBe('trace context with a zero trace id or span id');
  });

  it('puts tensors on the wire as raw little-endian float32 bytes, without copying', () => {
    const data = Float32Array.of(1.5, -2);
    const payload = Buffer.from(data.buffer);
    const [header, body] = encodeData({ sender: 1, seq: 1, op: 'allReduce', dtype: DTYPE.f32, step: 0, offset: 0, count: 2, total: 2, aux: 0 }, payload);
    expect(header?.length).toBe(HEADER_BYTES);
    expect(body).toBe(payload);
    expect([...(body as Buffer)]).toEqual([0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
  });

  it('rejects malformed frames with a reason instead of throwing', () => {
    const good = encodeStatus(1, 1);
    const header = good[0] as Buffer;
    const patched = (at: number, value: number): Buffer[] => {
      const h = Buffer.from(header);
      h[at] = value;
      return [h, Buffer.alloc(0)];
    };
    expect(reason([Buffer.from('garbage')])).toBe('expected 2 frames, got 1');
    expect(reason([Buffer.from('garbage'), Buffer.alloc(0)])).toBe('header of 7 bytes, expected 64');
    expect(reason(patched(0, 0x00))).toBe('bad magic');
    expect(reason(patched(4, WIRE_VERSION + 1))).toBe(`unsupported wire version ${WIRE_VERSION + 1}`);
    expect(reason(patched(5, 99))).toBe('unknown message kind 99');
    expect(reason(patched(8, 7))).toBe('invalid sender rank 7');
    expect(reason(patched(8, SELF))).toBe('invalid sender rank 0');
    expect(reason([header, Buffer.from('x')])).toBe('status with a payload');
    const data = encodeData({ sender: 1, seq: 1, op: 'allReduce', dtype: DTYPE.f32, step: 0, offset: 0, count: 2, total: 2, aux: 0 }, Buffer.alloc(8));
    expect(reason([data[0] as Buffer, Buffer.alloc(7)])).toBe('payload of 7 bytes for 2 elements');
    const outside = encodeData({ sender: 1, seq: 1, op: 'allReduce', dtype: DTYPE.f32, step: 0, offset: 1, count: 2, total: 2, aux: 0 }, Buffer.alloc(8));
    expect(reason(outside)).toBe('segment [1, 3) outside a tensor of 2');
    const abort = encodeAbort({ sender: 1, seq: 1, op: 'allReduce', reason: ABORT_REASON.peerLost, waitingFor: [9], timeoutMs: 0, detail: '' });
    expect(reason(abort)).toBe('abort names rank 9');
  });

  it('survives random bytes (fuzz)', () => {
    let s = 12345;
    const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const base = encodeData({ sender: 1, seq: 1, op: 'allReduce', dtype: DTYPE.f16, step: 0, offset: 0, count: 4, total: 4, aux: 0 }, Buffer.alloc(8));
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) {
      const frames = base.map((f) => Buffer.from(f));
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) {
        const f = frames[Math.floor(rnd() * frames.length)] as Buffer;
        if (f.length > 0) f[Math.floor(rnd() * f.length)] = Math.floor(rnd() * 256);
      }
      const r = decodeMessage(frames, WORLD, SELF);
      if (r.ok) accepted++;
    }
    expect(accepted).toBeLessThan(10_000);
    // Frames of random length and content, one to three of them: rejected with a reason, never thrown.
    for (let i = 0; i < 10_000; i++) {
      const frames = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () =>
        Buffer.from(Array.from({ length: Math.floor(rnd() * 100) }, () => Math.floor(rnd() * 256))),
      );
      const r = decodeMessage(frames, WORLD, SELF);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
    }
  });
});
