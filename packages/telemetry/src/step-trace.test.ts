import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { SPAN } from './span-names.js';
import { finishStepSpans, startStepSpan, stepTraceIds, wireContextOf, type StepTiming } from './step-trace.js';
import type { Tracer } from '@opentelemetry/api';

const recordStep = (tracer: Tracer, t: StepTiming) => finishStepSpans(tracer, startStepSpan(tracer, t), t);

describe('step spans', () => {
  it('put every rank of a step in one trace, with phase children laid out in order', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('test');
    const seconds = { data: 0.01, compute: 0.5, idle: 0.05, allReduce: 0.2, optimizer: 0.02 };
    const buckets = [
      { startMs: 1_000_560, endMs: 1_000_660, bytes: 25e6 },
      { startMs: 1_000_660, endMs: 1_000_760, bytes: 5e6 },
    ];
    for (const rank of [0, 1]) recordStep(tracer, { run: '7.1', step: 12, rank, worldSize: 2, startMs: 1_000_000, seconds, tokens: 900, buckets });
    recordStep(tracer, { run: '7.1', step: 13, rank: 0, worldSize: 2, startMs: 1_000_800, seconds, tokens: 900 });
    const spans = exporter.getFinishedSpans();
    const steps = spans.filter((s) => s.name === SPAN.step);
    expect(steps).toHaveLength(3);
    const ids = stepTraceIds('7.1', 12);
    expect(steps.slice(0, 2).map((s) => s.spanContext().traceId)).toEqual([ids.traceId, ids.traceId]);
    expect(steps.slice(0, 2).map((s) => s.parentSpanContext?.spanId)).toEqual([ids.spanId, ids.spanId]);
    expect(steps[2]!.spanContext().traceId).not.toBe(ids.traceId);
    const children = spans.filter((s) => s.parentSpanContext?.spanId === steps[0]!.spanContext().spanId);
    expect(children.map((s) => s.name)).toEqual([SPAN.data, SPAN.compute, SPAN.idle, SPAN.allReduce, SPAN.optimizer]);
    const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
    expect(ms(children[3]!.startTime)).toBeCloseTo(1_000_000 + 560, 3);
    expect(ms(steps[0]!.endTime) - ms(steps[0]!.startTime)).toBeCloseTo(780, 3);
    const bucketSpans = spans.filter((s) => s.parentSpanContext?.spanId === children[3]!.spanContext().spanId);
    expect(bucketSpans.map((s) => [s.name, s.attributes['orquesta.bucket'], s.attributes['orquesta.bucket_bytes']])).toEqual([
      [SPAN.bucket, 0, 25e6],
      [SPAN.bucket, 1, 5e6],
    ]);
  });

  it('links the all-reduce phase to the step spans whose contexts came over the wire', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('test');
    const seconds = { data: 0, compute: 0.5, idle: 0, allReduce: 0.2, optimizer: 0.02 };
    const start = { run: '9.1', step: 3, worldSize: 2, startMs: 5_000 };
    const spans = [0, 1].map((rank) => startStepSpan(tracer, { ...start, rank }));
    const wire = spans.map((s) => wireContextOf(s)!);
    expect(wire[0]!.traceId).toBe(stepTraceIds('9.1', 3).traceId);
    expect(wire[0]!.spanId).not.toBe(wire[1]!.spanId);
    // Each rank received its neighbour's context in the frames of the step.
    for (const rank of [0, 1]) finishStepSpans(tracer, spans[rank]!, { ...start, rank, seconds, tokens: 10, peers: new Map([[1 - rank, wire[1 - rank]!]]) });
    const allReduce = exporter.getFinishedSpans().filter((s) => s.name === SPAN.allReduce);
    expect(allReduce.map((s) => s.links.map((l) => [l.context.spanId, l.attributes?.['orquesta.peer_rank']]))).toEqual([
      [[wire[1]!.spanId, 1]],
      [[wire[0]!.spanId, 0]],
    ]);
    expect(
      exporter
        .getFinishedSpans()
        .filter((s) => s.name === SPAN.step)
        .map((s) => s.attributes['orquesta.tokens']),
    ).toEqual([10, 10]);
  });

  it('puts nothing on the wire for spans that are not recorded', () => {
    const noop = new TracerProvider({ sampler: { shouldSample: () => ({ decision: 0 }), toString: () => 'never' } }).getTracer('off');
    expect(wireContextOf(startStepSpan(noop, { run: 'r', step: 1, rank: 0, worldSize: 1, startMs: 0 }))).toBeNull();
  });
});
