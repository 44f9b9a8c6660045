/**
 * One training step as spans. Every rank derives the step's trace id and parent span id from the run
 * id and step number (SHA-256), so the step spans of all ranks form one trace without a message on
 * the hot path, and a straggler stands out beside its siblings. Phases are sequential, so their child
 * spans are laid out from the step's start with the measured durations.
 */
import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import { SPAN } from './span-names.js';

export interface StepTiming {
  readonly run: string;
  readonly step: number;
  readonly rank: number;
  readonly worldSize: number;
  /** Epoch milliseconds when the step began. */
  readonly startMs: number;
  /** Seconds per phase, in the order they ran. */
  readonly seconds: { readonly data: number; readonly compute: number; readonly idle: number; readonly allReduce: number; readonly optimizer: number };
  readonly tokens: number;
  /** Each gradient bucket's all-reduce (epoch ms): a child span of the all-reduce phase. */
  readonly buckets?: readonly { readonly startMs: number; readonly endMs: number; readonly bytes: number }[];
}

/** The trace id (32 hex) and the shared parent span id (16 hex) of a run's step. */
export function stepTraceIds(run: string, step: number): { traceId: string; spanId: string } {
  const digest = createHash('sha256').update(`${run}\u0000${step}`).digest('hex');
  return { traceId: digest.slice(0, 32), spanId: digest.slice(32, 48) };
}

export function recordStepSpans(tracer: Tracer, t: StepTiming): void {
  const ids = stepTraceIds(t.run, t.step);
  const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: ids.traceId, spanId: ids.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  const attributes = { 'orquesta.run': t.run, 'orquesta.step': t.step, 'orquesta.rank': t.rank, 'orquesta.world_size': t.worldSize };
  const span = tracer.startSpan(SPAN.step, { startTime: t.startMs, attributes: { ...attributes, 'orquesta.tokens': t.tokens } }, parent);
  const inside = trace.setSpan(parent, span);
  let at = t.startMs;
  for (const [name, seconds] of [
    [SPAN.data, t.seconds.data],
    [SPAN.compute, t.seconds.compute],
    [SPAN.idle, t.seconds.idle],
    [SPAN.allReduce, t.seconds.allReduce],
    [SPAN.optimizer, t.seconds.optimizer],
  ] as const) {
    if (seconds <= 0) continue;
    const child = tracer.startSpan(name, { startTime: at, attributes }, inside);
    at += seconds * 1000;
    if (name === SPAN.allReduce) {
      const phase = trace.setSpan(inside, child);
      t.buckets?.forEach((b, i) => tracer.startSpan(SPAN.bucket, { startTime: b.startMs, attributes: { ...attributes, 'orquesta.bucket': i, 'orquesta.bucket_bytes': b.bytes } }, phase).end(b.endMs));
    }
    child.end(at);
  }
  span.end(at);
}
