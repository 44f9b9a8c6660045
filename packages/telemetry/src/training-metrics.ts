/**
 * Instruments for training progress, recorded from worker reports: the step-phase histogram on the
 * Meter (from @opentelemetry/api: whoever set up the MeterProvider decides where it goes), the
 * series of running trials in LiveSeries (the same readers collect them).
 */
import type { Attributes, Meter } from '@opentelemetry/api';
import { METRIC, SECONDS_BUCKETS } from './metric-names.js';
import { OVER_RANKS, OverRanks } from './over-ranks.js';
import { RetainedValues } from './retained-values.js';
import type { LiveSeries } from './live-series.js';

/** What a collection reads, and what a trial's run ending drops. */
type Retained = Pick<RetainedValues, 'points' | 'forget'>;

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

/**
 * Gauges and counters keep a value per attribute set only while the trial runs (`forget` drops a
 * trial's series when its run ends: retained-values.ts). What every rank reports (step phases,
 * memory, all-reduce traffic, speed) is one series per trial, over its ranks (over-ranks.ts); step
 * phases also go to one histogram per phase for the whole cluster (a histogram keeps every attribute
 * set it ever saw, so one per trial would grow with every trial run).
 */
export class TrainingMetrics {
  private readonly loss = new RetainedValues();
  private readonly validLoss = new RetainedValues();
  private readonly validPerplexity = new RetainedValues();
  private readonly validBleu = new RetainedValues();
  private readonly lr = new RetainedValues();
  private readonly gradNorm = new RetainedValues();
  private readonly tokensPerSecond = new RetainedValues();
  private readonly phase;
  private readonly phaseMean = new OverRanks(OVER_RANKS.mean);
  private readonly steps = new RetainedValues();
  /** The largest of the trial's ranks. */
  private readonly memory = new OverRanks(OVER_RANKS.max);
  /** The slowest of the trial's ranks. */
  private readonly busBandwidth = new OverRanks(OVER_RANKS.min);
  private readonly bytesSent = new OverRanks(OVER_RANKS.sum);
  /** The slowest of the trial's ranks. */
  private readonly rankSpeed = new OverRanks(OVER_RANKS.min);
  private readonly goodput = new RetainedValues();
  private readonly trialTime = new RetainedValues();

  /** Every instrument's retained values. */
  private readonly retained: Retained[] = [];

  /** @param live where the running trials' series go (startMetrics' `live`, read by the same readers as `meter`). */
  constructor(meter: Meter, live: LiveSeries) {
    const series = (kind: 'gauge' | 'counter') => (m: (typeof METRIC)[keyof typeof METRIC], values: Retained) => {
      live.add({ ...m, kind, points: () => values.points() });
      this.retained.push(values);
    };
    const [gauge, counter] = [series('gauge'), series('counter')];
    gauge(METRIC.trainLoss, this.loss);
    gauge(METRIC.validLoss, this.validLoss);
    gauge(METRIC.validPerplexity, this.validPerplexity);
    gauge(METRIC.validBleu, this.validBleu);
    gauge(METRIC.learningRate, this.lr);
    gauge(METRIC.gradNorm, this.gradNorm);
    gauge(METRIC.tokensPerSecond, this.tokensPerSecond);
    this.phase = meter.createHistogram(METRIC.stepPhase.name, {
      description: METRIC.stepPhase.description,
      unit: METRIC.stepPhase.unit,
      advice: { explicitBucketBoundaries: [...SECONDS_BUCKETS] },
    });
    gauge(METRIC.stepPhaseMean, this.phaseMean);
    counter(METRIC.steps, this.steps);
    gauge(METRIC.memory, this.memory);
    gauge(METRIC.busBandwidth, this.busBandwidth);
    gauge(METRIC.rankSpeed, this.rankSpeed);
    gauge(METRIC.goodput, this.goodput);
    gauge(METRIC.trialTime, this.trialTime);
    counter(METRIC.bytesSent, this.bytesSent);
  }

  /** Drops the series of every attribute set holding all of `match` (a trial whose run ended: its experiment_id and trial). */
  forget(match: Attributes): void {
    for (const values of this.retained) values.forget(match);
  }

  /** A rank's memory and all-reduce traffic; `steps` since its previous report. */
  resources(
    r: { memory?: { rss: number; tensors: number; peakRss?: number; wasmHeap?: number }; allReduceBytes?: number; allReduceSeconds: number; steps: number },
    attributes: Attributes,
  ): void {
    if (r.memory) {
      this.memory.set(r.memory.rss, { ...attributes, kind: 'rss' });
      this.memory.set(r.memory.tensors, { ...attributes, kind: 'tensors' });
      if (r.memory.peakRss !== undefined) this.memory.set(r.memory.peakRss, { ...attributes, kind: 'peak_rss' });
      if (r.memory.wasmHeap !== undefined) this.memory.set(r.memory.wasmHeap, { ...attributes, kind: 'wasm_heap' });
    }
    if (r.allReduceBytes !== undefined && r.allReduceBytes > 0) {
      this.bytesSent.add(r.allReduceBytes * Math.max(0, r.steps), attributes);
      if (r.allReduceSeconds > 0) this.busBandwidth.set(r.allReduceBytes / r.allReduceSeconds / 1e9, attributes);
    }
  }

  progress(sample: ProgressSample, attributes: Attributes): void {
    this.loss.set(sample.loss, attributes);
    this.lr.set(sample.lr, attributes);
    this.gradNorm.set(sample.gradNorm, attributes);
    this.tokensPerSecond.set(sample.tokensPerSecond, attributes);
    this.steps.add(Math.max(0, sample.steps), attributes);
    this.phases(sample.seconds, attributes);
  }

  /** A rank's speed relative to the fastest rank of its run (see METRIC.rankSpeed). */
  speed(value: number, attributes: Attributes): void {
    this.rankSpeed.set(value, attributes);
  }

  /** A trial's goodput and where its wall time went, seconds by use (see METRIC.goodput, METRIC.trialTime). */
  trialGoodput(goodput: number, seconds: Readonly<Record<string, number>>, attributes: Attributes): void {
    this.goodput.set(goodput, attributes);
    for (const [use, s] of Object.entries(seconds)) this.trialTime.set(s, { ...attributes, use });
  }

  /** One rank's latest seconds per step by phase: its trial's mean, and the cluster's histogram. */
  phases(seconds: ProgressSample['seconds'], attributes: Attributes): void {
    const { data, compute, allReduce, optimizer } = seconds;
    for (const [phase, s] of [
      ['data', data],
      ['compute', compute],
      ['all_reduce', allReduce],
      ['optimizer', optimizer],
    ] as const) {
      this.phase.record(s, { phase });
      this.phaseMean.set(s, { ...attributes, phase });
    }
  }

  /** An evaluation's figures; `bleu` only when the worker translated validation pairs. */
  evaluation(e: { loss: number; perplexity: number; bleu?: number }, attributes: Attributes): void {
    this.validLoss.set(e.loss, attributes);
    this.validPerplexity.set(e.perplexity, attributes);
    if (e.bleu !== undefined) this.validBleu.set(e.bleu, attributes);
  }
}
