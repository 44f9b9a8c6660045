/**
 * The figures in workers' reports (progress, per-rank timing, evaluation, checkpoints): written to
 * the store for `status`, `logs` and the dashboard, and recorded as OpenTelemetry metrics with the
 * experiment, trial, rank and node as attributes.
 */
import type { Attributes, Meter } from '@opentelemetry/api';
import type { WorkerReport } from '@orquesta/protocol';
import { TrainingMetrics, type LiveSeries } from '@orquesta/telemetry';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import type { GoodputView } from './goodput-ledger.js';

type Figures = Extract<WorkerReport, { type: 'progress' | 'timing' | 'evaluation' | 'checkpoint' }>;

export class ReportFigures {
  private readonly metrics: TrainingMetrics | undefined;
  /** Last reported step by run, of rank 0's progress (-1) and of each rank's timing, to count steps between reports. */
  private readonly lastStep = new Map<string, Map<number, number>>();
  /** Experiment names by id (a name never changes). */
  private readonly names = new Map<number, string>();

  constructor(
    private readonly store: Store,
    metrics: { readonly meter: Meter; readonly live: LiveSeries } | undefined,
  ) {
    this.metrics = metrics ? new TrainingMetrics(metrics.meter, metrics.live) : undefined;
  }

  /** Metric attributes of a trial (and of one of its ranks: with the agent running it as `node`). */
  attributes(trial: TrialRow, rank?: number): Attributes {
    let name = this.names.get(trial.experimentId);
    if (name === undefined) this.names.set(trial.experimentId, (name = this.store.experiment(trial.experimentId).name));
    // The placement names each rank's agent (a Slurm task's id under Slurm).
    const node = rank === undefined ? undefined : trial.placement?.workers.find((w) => w.rank === rank)?.agent;
    return {
      experiment: name,
      experiment_id: trial.experimentId,
      trial: trial.idx,
      ...(rank === undefined ? {} : { rank }),
      ...(node === undefined ? {} : { node }),
    };
  }

  record(run: string, trial: TrialRow, rank: number, report: Figures): void {
    switch (report.type) {
      case 'progress': {
        const steps = this.stepsSince(run, -1, report.step, trial);
        const attributes = this.attributes(trial, rank);
        this.metrics?.progress({ ...report, steps }, attributes);
        this.metrics?.resources({ ...resourcesOf(report), steps }, attributes);
        this.store.recordProgress(trial.id, 'progress', report.step, {
          loss: report.loss,
          lr: report.lr,
          gradNorm: report.gradNorm,
          tokensPerSecond: report.tokensPerSecond,
          seconds: report.seconds,
        });
        return;
      }
      case 'timing': {
        const attributes = this.attributes(trial, report.rank);
        this.metrics?.phases(report.seconds, attributes);
        this.metrics?.resources({ ...resourcesOf(report), steps: this.stepsSince(run, report.rank, report.step, trial) }, attributes);
        this.store.recordProgress(trial.id, 'timing', report.step, { rank: report.rank, seconds: report.seconds });
        return;
      }
      case 'evaluation':
        this.metrics?.evaluation(report, this.attributes(trial, rank));
        this.store.recordProgress(trial.id, 'evaluation', report.step, {
          loss: report.loss,
          perplexity: report.perplexity,
          tokens: report.tokens,
          bleu: report.bleu ?? null,
          bleuSentences: report.bleuSentences ?? null,
        });
        return;
      case 'checkpoint':
        this.store.recordCheckpoint(trial.id, report.step, report.path);
        return;
      default: {
        const unreachable: never = report;
        throw new TypeError(`not a figures report: ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** Steps since the previous report of `run`'s `rank` (-1: rank 0's progress), which is now at `step`. */
  private stepsSince(run: string, rank: number, step: number, trial: TrialRow): number {
    let steps = this.lastStep.get(run);
    if (steps === undefined) this.lastStep.set(run, (steps = new Map()));
    const since = step - (steps.get(rank) ?? trial.lastStep);
    steps.set(rank, step);
    return since;
  }

  /** Each rank's speed relative to the fastest (straggler-watch.ts), as a metric. */
  speeds(trial: TrialRow, speeds: ReadonlyMap<number, number>): void {
    for (const [rank, speed] of speeds) this.metrics?.speed(speed, this.attributes(trial, rank));
  }

  /** A trial's goodput figures (goodput-ledger.ts), as metrics. */
  goodput(trial: TrialRow, view: GoodputView): void {
    this.metrics?.trialGoodput(view.goodput, view.seconds, this.attributes(trial));
  }

  /** Drops a finished run's step counters, its trial's metric series (they come back with its next run) and timing rows but each rank's latest. */
  forget(run: string, trial: TrialRow): void {
    this.lastStep.delete(run);
    this.store.keepLatestTimings(trial.id);
    this.metrics?.forget({ experiment_id: trial.experimentId, trial: trial.idx });
  }
}

function resourcesOf(report: Extract<WorkerReport, { type: 'progress' | 'timing' }>) {
  return {
    ...(report.memory ? { memory: report.memory } : {}),
    ...(report.allReduceBytes === undefined ? {} : { allReduceBytes: report.allReduceBytes }),
    allReduceSeconds: report.seconds.allReduce,
  };
}
