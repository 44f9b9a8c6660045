/**
 * Instruments for training progress, recorded from worker reports. Uses only @opentelemetry/api:
 * whoever set up a MeterProvider (an entry point) decides where the numbers go.
 */
import type { Attributes, Meter } from '@opentelemetry/api';
import { METRIC, SECONDS_BUCKETS } from './metric-names.js';

export interface ProgressSample {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly gradNorm: number;
  readonly tokensPerSecond: number;
  /** Seconds per step by phase. */
  readonly seconds: { readonly data: number; readonly compute: number; readonly allReduce: number; readonly optimizer: number };
  /** Steps since the previous sample. */
  readonly steps: number;
}

export class TrainingMetrics {
  private readonly loss;
  private readonly validLoss;
  private readonly validPerplexity;
  private readonly lr;
  private readonly gradNorm;
  private readonly tokensPerSecond;
  private readonly phase;
  private readonly steps;

  constructor(meter: Meter) {
    const gauge = (m: (typeof METRIC)[keyof typeof METRIC]) => meter.createGauge(m.name, { description: m.description, unit: m.unit });
    this.loss = gauge(METRIC.trainLoss);
    this.validLoss = gauge(METRIC.validLoss);
    this.validPerplexity = gauge(METRIC.validPerplexity);
    this.lr = gauge(METRIC.learningRate);
    this.gradNorm = gauge(METRIC.gradNorm);
    this.tokensPerSecond = gauge(METRIC.tokensPerSecond);
    this.phase = meter.createHistogram(METRIC.stepPhase.name, { description: METRIC.stepPhase.description, unit: METRIC.stepPhase.unit, advice: { explicitBucketBoundaries: [...SECONDS_BUCKETS] } });
    this.steps = meter.createCounter(METRIC.steps.name, { description: METRIC.steps.description });
  }

  progress(sample: ProgressSample, attributes: Attributes): void {
    this.loss.record(sample.loss, attributes);
    this.lr.record(sample.lr, attributes);
    this.gradNorm.record(sample.gradNorm, attributes);
    this.tokensPerSecond.record(sample.tokensPerSecond, attributes);
    this.steps.add(Math.max(0, sample.steps), attributes);
    this.phases(sample.seconds, attributes);
  }

  /** One step's phase times of one rank. */
  phases(seconds: ProgressSample['seconds'], attributes: Attributes): void {
    const { data, compute, allReduce, optimizer } = seconds;
    for (const [phase, s] of [['data', data], ['compute', compute], ['all_reduce', allReduce], ['optimizer', optimizer]] as const) this.phase.record(s, { ...attributes, phase });
  }

  evaluation(loss: number, perplexity: number, attributes: Attributes): void {
    this.validLoss.record(loss, attributes);
    this.validPerplexity.record(perplexity, attributes);
  }
}
