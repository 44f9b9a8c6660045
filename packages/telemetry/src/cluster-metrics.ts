/** The coordinator's instruments: restarts as they happen, and gauges read from its state when exported. */
import type { Attributes, Meter } from '@opentelemetry/api';
import { METRIC } from './metric-names.js';

export interface ClusterSnapshot {
  /** Trials per state. */
  readonly jobs: Readonly<Record<string, number>>;
  readonly queueLength: number;
  readonly agents: readonly { readonly id: string; readonly free: number; readonly used: number }[];
}

/** A node agent's gauges, read from it on every export. */
export function observeAgent(meter: Meter, snapshot: () => { slots: number; workers: number }): void {
  const slots = meter.createObservableGauge(METRIC.agentOwnSlots.name, { description: METRIC.agentOwnSlots.description });
  const workers = meter.createObservableGauge(METRIC.agentWorkers.name, { description: METRIC.agentWorkers.description });
  meter.addBatchObservableCallback(
    (result) => {
      const s = snapshot();
      result.observe(slots, s.slots);
      result.observe(workers, s.workers);
    },
    [slots, workers],
  );
}

export class ClusterMetrics {
  private readonly restartCounter;

  /** `snapshot` is called on every export (a Prometheus scrape). */
  constructor(meter: Meter, snapshot: () => ClusterSnapshot) {
    this.restartCounter = meter.createCounter(METRIC.restarts.name, { description: METRIC.restarts.description });
    const jobs = meter.createObservableGauge(METRIC.jobs.name, { description: METRIC.jobs.description });
    const queue = meter.createObservableGauge(METRIC.queueLength.name, { description: METRIC.queueLength.description });
    const slots = meter.createObservableGauge(METRIC.agentSlots.name, { description: METRIC.agentSlots.description });
    meter.addBatchObservableCallback(
      (result) => {
        const s = snapshot();
        for (const [state, n] of Object.entries(s.jobs)) result.observe(jobs, n, { state });
        result.observe(queue, s.queueLength);
        for (const a of s.agents) {
          result.observe(slots, a.free, { agent: a.id, status: 'free' });
          result.observe(slots, a.used, { agent: a.id, status: 'used' });
        }
      },
      [jobs, queue, slots],
    );
  }

  restart(attributes: Attributes): void {
    this.restartCounter.add(1, attributes);
  }
}
