/**
 * One training step as spans.
 *
 * 1. `startStepSpan` opens the step span when the step begins. Every rank derives the step's trace id
 *    and a shared parent span id from the run id and step number (SHA-256), so the step spans of all
 *    ranks form one trace without a message on the hot path.
 * 2. The worker hands the step span's context to its process group, which carries it in the header of
 *    every gradient frame it sends (ZeroMQ wire, 24 bytes); the receiving rank gets its neighbour's
 *    context back from the group.
 * 3. `finishStepSpans` lays out the phase children from the step's start with the measured durations
 *    (phases are sequential), a child per all-reduce bucket, and links the all-reduce phase to the
 *    step spans of the peers whose frames it received, so a straggler stands out beside its siblings
 *    and a trace viewer can jump from a waiting rank to the rank it waited for.
 */
import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, trace, TraceFlags, type Link, type Span, type Tracer } from '@opentelemetry/api';
import { SPAN } from './span-names.js';

/** A W3C trace context in lowercase hex, as the collective carries it in frame headers. */
export interface SpanIds {
  readonly traceId: string;
  readonly spanId: string;
}

export interface StepStart {
  readonly run: string;
  readonly step: number;
  readonly rank: number;
  readonly worldSize: number;
  /** Epoch milliseconds when the step began. */
  readonly startMs: number;
}

export interface StepTiming extends StepStart {
  /** Seconds per phase, in the order they ran. */
  readonly seconds: { readonly data: number; readonly compute: number; readonly idle: number; readonly allReduce: number; readonly optimizer: number };
  readonly tokens: number;
  /** Each gradient bucket's all-reduce (epoch ms): a child span of the all-reduce phase. */
  readonly buckets?: readonly { readonly startMs: number; readonly endMs: number; readonly bytes: number }[];
  /** Trace contexts received from peers during the step (their step spans), by rank: links of the all-reduce phase. */
  readonly peers?: ReadonlyMap<number, SpanIds>;
}

/** The trace id (32 hex) and the shared parent span id (16 hex) of a run's step. */
export function stepTraceIds(run: string, step: number): { traceId: string; spanId: string } {
  const digest = createHash('sha256').update(`${run}\u0000${step}`).digest('hex');
  return { traceId: digest.slice(0, 32), spanId: digest.slice(32, 48) };
}

const attributesOf = (t: StepStart) => ({ 'orquesta.run': t.run, 'orquesta.step': t.step, 'orquesta.rank': t.rank, 'orquesta.world_size': t.worldSize });

/** Opens a step's span (ended by `finishStepSpans`). */
export function startStepSpan(tracer: Tracer, t: StepStart): Span {
  const ids = stepTraceIds(t.run, t.step);
  const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: ids.traceId, spanId: ids.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  return tracer.startSpan(SPAN.step, { startTime: t.startMs, attributes: attributesOf(t) }, parent);
}

/** The context to put on the wire for `span`, or null when the span is not recorded (no SDK, not sampled). */
export function wireContextOf(span: Span): SpanIds | null {
  if (!span.isRecording()) return null;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

/** Adds the phase and bucket children to the step span opened by `startStepSpan`, then ends it. */
export function finishStepSpans(tracer: Tracer, span: Span, t: StepTiming): void {
  span.setAttribute('orquesta.tokens', t.tokens);
  const inside = trace.setSpan(ROOT_CONTEXT, span);
  const attributes = attributesOf(t);
  const links: Link[] = [...(t.peers ?? [])].map(([rank, ids]) => ({
    context: { traceId: ids.traceId, spanId: ids.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true },
    attributes: { 'orquesta.peer_rank': rank },
  }));
  let at = t.startMs;
  for (const [name, seconds] of [
    [SPAN.data, t.seconds.data],
    [SPAN.compute, t.seconds.compute],
    [SPAN.idle, t.seconds.idle],
    [SPAN.allReduce, t.seconds.allReduce],
    [SPAN.optimizer, t.seconds.optimizer],
  ] as const) {
    if (seconds <= 0) continue;
    const child = tracer.startSpan(name, { startTime: at, attributes, ...(name === SPAN.allReduce ? { links } : {}) }, inside);
    at += seconds * 1000;
    if (name === SPAN.allReduce) {
      const phase = trace.setSpan(inside, child);
      t.buckets?.forEach((b, i) =>
        tracer
          .startSpan(SPAN.bucket, { startTime: b.startMs, attributes: { ...attributes, 'orquesta.bucket': i, 'orquesta.bucket_bytes': b.bytes } }, phase)
          .end(b.endMs),
      );
    }
    child.end(at);
  }
  span.end(at);
}
