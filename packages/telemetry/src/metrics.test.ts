import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { ClusterMetrics } from './cluster-metrics.js';
import { METRIC, SECONDS_BUCKETS } from './metric-names.js';
import { LiveSeries } from './live-series.js';
import { TrainingMetrics } from './training-metrics.js';

async function collect(record: (provider: MeterProvider, live: LiveSeries) => void) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const live = new LiveSeries();
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1_000_000, metricProducers: [live] });
  const provider = new MeterProvider({ readers: [reader] });
  record(provider, live);
  await reader.forceFlush();
  const metrics = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  await provider.shutdown();
  return metrics;
}

describe('training metrics', () => {
  it('records progress with its attributes and step phases in second buckets', async () => {
    const metrics = await collect((provider, live) => {
      const m = new TrainingMetrics(provider.getMeter('test'), live);
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
  it("drops a trial's gauge and counter series when asked, keeps other trials', and keeps one step-phase histogram per phase", async () => {
    const metrics = await collect((provider, live) => {
      const m = new TrainingMetrics(provider.getMeter('test'), live);
      for (const trial of [0, 1])
        for (const rank of [0, 1]) {
          const seconds = { data: 0.01, compute: 0.8 + rank * 0.2 + trial, allReduce: 0.2, optimizer: 0.03 };
          const attrs = { experiment: 'exp', experiment_id: 7, trial, rank, node: `n${rank}` };
          m.progress({ step: 20, loss: 2.5, lr: 1e-3, gradNorm: 0.7, tokensPerSecond: 1900, seconds, steps: 20 }, attrs);
          m.speed(1, attrs);
        }
      // A rank's newer report replaces its older one in its trial's mean.
      m.phases({ data: 0.01, compute: 1.4, allReduce: 0.2, optimizer: 0.03 }, { experiment: 'exp', experiment_id: 7, trial: 1, rank: 0, node: 'n0' });
      m.forget({ experiment_id: 7, trial: 0 });
    });
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    for (const name of [METRIC.trainLoss.name, METRIC.steps.name])
      expect(byName.get(name)?.dataPoints.map((p) => [p.attributes['trial'], p.attributes['rank']])).toEqual([
        [1, 0],
        [1, 1],
      ]);
    // What every rank reports is one series per trial.
    expect(byName.get(METRIC.rankSpeed.name)?.dataPoints.map((p) => [p.attributes['trial'], p.attributes['rank']])).toEqual([[1, undefined]]);
    // The histogram keeps what it saw, one series per phase: 5 reports, of both trials.
    const phases = byName.get(METRIC.stepPhase.name)?.dataPoints ?? [];
    expect(phases.map((p) => p.attributes)).toEqual([{ phase: 'data' }, { phase: 'compute' }, { phase: 'all_reduce' }, { phase: 'optimizer' }]);
    expect((phases[1]?.value as { count: number }).count).toBe(5);
    // The mean of trial 1's ranks' latest compute seconds (1.4 and 2.0), without rank or node; trial 0's series is gone.
    const means = byName.get(METRIC.stepPhaseMean.name)?.dataPoints ?? [];
    expect(means).toHaveLength(4);
    expect(means.every((p) => p.attributes['trial'] === 1 && p.attributes['rank'] === undefined && p.attributes['node'] === undefined)).toBe(true);
    expect(means.find((p) => p.attributes['phase'] === 'compute')?.value).toBeCloseTo(1.7, 9);
  });
});

describe('metrics of every rank, per trial', () => {
  it("keeps the largest memory, the lowest bandwidth and speed, and the sum of bytes sent over a trial's ranks", async () => {
    const metrics = await collect((provider, live) => {
      const m = new TrainingMetrics(provider.getMeter('test'), live);
      const report = (trial: number, rank: number, rss: number, allReduceSeconds: number, steps: number) =>
        m.resources({ memory: { rss, tensors: 1e6 }, allReduceBytes: 1e9, allReduceSeconds, steps }, { experiment_id: 3, trial, rank, node: `n${rank}` });
      report(0, 0, 5e8, 0.5, 10);
      report(0, 1, 9e8, 1, 10);
      report(0, 1, 7e8, 0.25, 5); // rank 1's newer report replaces its memory and bandwidth, and adds to its bytes
      report(1, 0, 1e8, 1, 1);
      m.speed(1, { experiment_id: 3, trial: 0, rank: 0 });
      m.speed(0.5, { experiment_id: 3, trial: 0, rank: 1 });
    });
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    const points = (name: string) => byName.get(name)?.dataPoints.map((p) => [p.attributes, p.value]);
    expect(points(METRIC.memory.name)).toEqual([
      [{ experiment_id: 3, trial: 0, kind: 'rss' }, 7e8],
      [{ experiment_id: 3, trial: 0, kind: 'tensors' }, 1e6],
      [{ experiment_id: 3, trial: 1, kind: 'rss' }, 1e8],
      [{ experiment_id: 3, trial: 1, kind: 'tensors' }, 1e6],
    ]);
    expect(points(METRIC.busBandwidth.name)).toEqual([
      [{ experiment_id: 3, trial: 0 }, 2],
      [{ experiment_id: 3, trial: 1 }, 1],
    ]);
    expect(points(METRIC.bytesSent.name)).toEqual([
      [{ experiment_id: 3, trial: 0 }, 25e9],
      [{ experiment_id: 3, trial: 1 }, 1e9],
    ]);
    expect(points(METRIC.rankSpeed.name)).toEqual([[{ experiment_id: 3, trial: 0 }, 0.5]]);
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
