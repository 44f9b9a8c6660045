import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { SPAN } from './span-names.js';
import { recordStepSpans, stepTraceIds } from './step-trace.js';

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
    for (const rank of [0, 1]) recordStepSpans(tracer, { run: '7.1', step: 12, rank, worldSize: 2, startMs: 1_000_000, seconds, tokens: 900, buckets });
    recordStepSpans(tracer, { run: '7.1', step: 13, rank: 0, worldSize: 2, startMs: 1_000_800, seconds, tokens: 900 });
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
});
