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
  private readonly validBleu;
  private readonly lr;
  private readonly gradNorm;
  private readonly tokensPerSecond;
  private readonly phase;
  private readonly steps;
  private readonly memory;
  private readonly busBandwidth;
  private readonly bytesSent;
  private readonly rankSpeed;
  private readonly goodput;
  private readonly trialTime;

  constructor(meter: Meter) {
    const gauge = (m: (typeof METRIC)[keyof typeof METRIC]) => meter.createGauge(m.name, { description: m.description, unit: m.unit });
    this.loss = gauge(METRIC.trainLoss);
    this.validLoss = gauge(METRIC.validLoss);
    this.validPerplexity = gauge(METRIC.validPerplexity);
    this.validBleu = gauge(METRIC.validBleu);
    this.lr = gauge(METRIC.learningRate);
    this.gradNorm = gauge(METRIC.gradNorm);
    this.tokensPerSecond = gauge(METRIC.tokensPerSecond);
    this.phase = meter.createHistogram(METRIC.stepPhase.name, {
      description: METRIC.stepPhase.description,
      unit: METRIC.stepPhase.unit,
      advice: { explicitBucketBoundaries: [...SECONDS_BUCKETS] },
    });
    this.steps = meter.createCounter(METRIC.steps.name, { description: METRIC.steps.description });
    this.memory = gauge(METRIC.memory);
    this.busBandwidth = gauge(METRIC.busBandwidth);
    this.rankSpeed = gauge(METRIC.rankSpeed);
    this.goodput = gauge(METRIC.goodput);
    this.trialTime = gauge(METRIC.trialTime);
    this.bytesSent = meter.createCounter(METRIC.bytesSent.name, { description: METRIC.bytesSent.description, unit: METRIC.bytesSent.unit });
  }

  /** A rank's memory and all-reduce traffic; `steps` since its previous report. */
  resources(
    r: { memory?: { rss: number; tensors: number; peakRss?: number; wasmHeap?: number }; allReduceBytes?: number; allReduceSeconds: number; steps: number },
    attributes: Attributes,
  ): void {
    if (r.memory) {
      this.memory.record(r.memory.rss, { ...attributes, kind: 'rss' });
      this.memory.record(r.memory.tensors, { ...attributes, kind: 'tensors' });
      if (r.memory.peakRss !== undefined) this.memory.record(r.memory.peakRss, { ...attributes, kind: 'peak_rss' });
      if (r.memory.wasmHeap !== undefined) this.memory.record(r.memory.wasmHeap, { ...attributes, kind: 'wasm_heap' });
    }
    if (r.allReduceBytes !== undefined && r.allReduceBytes > 0) {
      this.bytesSent.add(r.allReduceBytes * Math.max(0, r.steps), attributes);
      if (r.allReduceSeconds > 0) this.busBandwidth.record(r.allReduceBytes / r.allReduceSeconds / 1e9, attributes);
    }
  }

  progress(sample: ProgressSample, attributes: Attributes): void {
    this.loss.record(sample.loss, attributes);
    this.lr.record(sample.lr, attributes);
    this.gradNorm.record(sample.gradNorm, attributes);
    this.tokensPerSecond.record(sample.tokensPerSecond, attributes);
    this.steps.add(Math.max(0, sample.steps), attributes);
    this.phases(sample.seconds, attributes);
  }

  /** A rank's speed relative to the fastest rank of its run (see METRIC.rankSpeed). */
  speed(value: number, attributes: Attributes): void {
    this.rankSpeed.record(value, attributes);
  }

  /** A trial's goodput and where its wall time went, seconds by use (see METRIC.goodput, METRIC.trialTime). */
  trialGoodput(goodput: number, seconds: Readonly<Record<string, number>>, attributes: Attributes): void {
    this.goodput.record(goodput, attributes);
    for (const [use, s] of Object.entries(seconds)) this.trialTime.record(s, { ...attributes, use });
  }

  /** One step's phase times of one rank. */
  phases(seconds: ProgressSample['seconds'], attributes: Attributes): void {
    const { data, compute, allReduce, optimizer } = seconds;
    for (const [phase, s] of [
      ['data', data],
      ['compute', compute],
      ['all_reduce', allReduce],
      ['optimizer', optimizer],
    ] as const)
      this.phase.record(s, { ...attributes, phase });
  }

  /** An evaluation's figures; `bleu` only when the worker translated validation pairs. */
  evaluation(e: { loss: number; perplexity: number; bleu?: number }, attributes: Attributes): void {
    this.validLoss.record(e.loss, attributes);
    this.validPerplexity.record(e.perplexity, attributes);
    if (e.bleu !== undefined) this.validBleu.record(e.bleu, attributes);
  }
}
