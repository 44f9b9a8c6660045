import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { ClusterMetrics } from './cluster-metrics.js';
import { METRIC, SECONDS_BUCKETS } from './metric-names.js';
import { TrainingMetrics } from './training-metrics.js';

async function collect(record: (provider: MeterProvider) => void) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1_000_000 });
  const provider = new MeterProvider({ readers: [reader] });
  record(provider);
  await reader.forceFlush();
  const metrics = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  await provider.shutdown();
  return metrics;
}

describe('training metrics', () => {
  it('records progress with its attributes and step phases in second buckets', async () => {
    const metrics = await collect((provider) => {
      const m = new TrainingMetrics(provider.getMeter('test'));
      const attrs = { experiment: 'exp', trial: 0, rank: 0 };
      m.progress(
        {
          step: 20,
          loss: 2.5,
          lr: 1e-3,
          gradNorm: 0.7,
          tokensPerSecond: 1900,
          seconds: { data: 0.01, compute: 0.8, allReduce: 0.2, optimizer: 0.03 },
          steps: 20,
        },
        attrs,
      );
      m.evaluation({ loss: 1.9, perplexity: Math.exp(1.9), bleu: 23.4 }, attrs);
      m.resources({ memory: { rss: 3e8, tensors: 5e7, peakRss: 4e8, wasmHeap: 2e8 }, allReduceBytes: 2e7, allReduceSeconds: 0.04, steps: 20 }, attrs);
    });
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    expect(byName.get(METRIC.tokensPerSecond.name)?.dataPoints[0]).toMatchObject({ value: 1900, attributes: { experiment: 'exp', trial: 0, rank: 0 } });
    expect(byName.get(METRIC.validLoss.name)?.dataPoints[0]?.value).toBe(1.9);
    expect(byName.get(METRIC.validBleu.name)?.dataPoints[0]?.value).toBe(23.4);
    expect(byName.get(METRIC.steps.name)?.dataPoints[0]?.value).toBe(20);
    expect(byName.get(METRIC.memory.name)?.dataPoints.map((p) => [p.attributes['kind'], p.value])).toEqual([
      ['rss', 3e8],
      ['tensors', 5e7],
      ['peak_rss', 4e8],
      ['wasm_heap', 2e8],
    ]);
    expect(byName.get(METRIC.busBandwidth.name)?.dataPoints[0]?.value).toBeCloseTo(0.5, 9);
    expect(byName.get(METRIC.bytesSent.name)?.dataPoints[0]?.value).toBe(4e8);
    const phases = byName.get(METRIC.stepPhase.name);
    expect(phases?.descriptor.unit).toBe('s');
    expect(phases?.dataPoints.map((p) => p.attributes['phase']).sort()).toEqual(['all_reduce', 'compute', 'data', 'optimizer']);
    const compute = phases?.dataPoints.find((p) => p.attributes['phase'] === 'compute')?.value as { buckets: { boundaries: number[] }; sum: number };
    expect(compute.buckets.boundaries).toEqual(SECONDS_BUCKETS);
    expect(compute.sum).toBeCloseTo(0.8, 9);
  });
});

describe('training metrics retention', () => {
  it("drops a trial's gauge and counter series when asked, keeps other trials', and keeps the step-phase histogram per trial", async () => {
    const metrics = await collect((provider) => {
      const m = new TrainingMetrics(provider.getMeter('test'));
      const seconds = { data: 0.01, compute: 0.8, allReduce: 0.2, optimizer: 0.03 };
      for (const trial of [0, 1])
        for (const rank of [0, 1]) {
          const attrs = { experiment: 'exp', experiment_id: 7, trial, rank, node: `n${rank}` };
          m.progress({ step: 20, loss: 2.5, lr: 1e-3, gradNorm: 0.7, tokensPerSecond: 1900, seconds, steps: 20 }, attrs);
          m.speed(1, attrs);
        }
      m.forget({ experiment_id: 7, trial: 0 });
    });
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    for (const name of [METRIC.trainLoss.name, METRIC.steps.name, METRIC.rankSpeed.name])
      expect(byName.get(name)?.dataPoints.map((p) => [p.attributes['trial'], p.attributes['rank']])).toEqual([
        [1, 0],
        [1, 1],
      ]);
    // Both trials' phases (a histogram keeps what it saw), without rank or node: one series per trial and phase.
    const phases = byName.get(METRIC.stepPhase.name)?.dataPoints ?? [];
    expect(phases).toHaveLength(8);
    expect(phases.every((p) => p.attributes['rank'] === undefined && p.attributes['node'] === undefined)).toBe(true);
    expect((phases.find((p) => p.attributes['trial'] === 1 && p.attributes['phase'] === 'compute')?.value as { count: number }).count).toBe(2);
  });
});

describe('cluster metrics', () => {
  it('reads jobs, queue and slots from the snapshot at export, and counts restarts', async () => {
    const metrics = await collect((provider) => {
      const m = new ClusterMetrics(provider.getMeter('test'), () => ({
        jobs: { running: 2, queued: 1 },
        queueLength: 1,
        agents: [{ id: 'a', free: 1, used: 3 }],
      }));
      m.restart({ experiment: 'exp' });
    });
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    expect(byName.get(METRIC.jobs.name)?.dataPoints.map((p) => [p.attributes['state'], p.value])).toEqual([
      ['running', 2],
      ['queued', 1],
    ]);
    expect(byName.get(METRIC.queueLength.name)?.dataPoints[0]?.value).toBe(1);
    expect(byName.get(METRIC.agentSlots.name)?.dataPoints.map((p) => [p.attributes['status'], p.value])).toEqual([
      ['free', 1],
      ['used', 3],
    ]);
    expect(byName.get(METRIC.restarts.name)?.dataPoints[0]?.value).toBe(1);
  });
});
