/**
 * The figures in workers' reports (progress, per-rank timing, evaluation, checkpoints): written to
 * the store for `status`, `logs` and the dashboard, and recorded as OpenTelemetry metrics with the
 * experiment, trial, rank and node as attributes.
 */
import type { Attributes, Meter } from '@opentelemetry/api';
import type { WorkerReport } from '@orquesta/protocol';
import { TrainingMetrics } from '@orquesta/telemetry';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import type { GoodputView } from './goodput-ledger.js';

type Figures = Extract<WorkerReport, { type: 'progress' | 'timing' | 'evaluation' | 'checkpoint' }>;

export class ReportFigures {
  private readonly metrics: TrainingMetrics | undefined;
  /** Last reported step by run (rank 0) and by `run#rank` (other ranks), to count steps between reports. */
  private readonly lastStep = new Map<string, number>();
  /** Experiment names by id (a name never changes). */
  private readonly names = new Map<number, string>();

  constructor(
    private readonly store: Store,
    meter: Meter | undefined,
  ) {
    this.metrics = meter ? new TrainingMetrics(meter) : undefined;
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
        const steps = report.step - (this.lastStep.get(run) ?? trial.lastStep);
        this.metrics?.progress({ ...report, steps }, this.attributes(trial, rank));
        this.metrics?.resources({ ...resourcesOf(report), steps }, this.attributes(trial, rank));
        this.lastStep.set(run, report.step);
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
        const key = `${run}#${report.rank}`;
        this.metrics?.phases(report.seconds, this.attributes(trial, report.rank));
        this.metrics?.resources(
          { ...resourcesOf(report), steps: report.step - (this.lastStep.get(key) ?? trial.lastStep) },
          this.attributes(trial, report.rank),
        );
        this.lastStep.set(key, report.step);
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

  /** Each rank's speed relative to the fastest (straggler-watch.ts), as a metric. */
  speeds(trial: TrialRow, speeds: ReadonlyMap<number, number>): void {
    for (const [rank, speed] of speeds) this.metrics?.speed(speed, this.attributes(trial, rank));
  }

  /** A trial's goodput figures (goodput-ledger.ts), as metrics. */
  goodput(trial: TrialRow, view: GoodputView): void {
    this.metrics?.trialGoodput(view.goodput, view.seconds, this.attributes(trial));
  }

  /** Drops a finished run's step counters, and its trial's metric series (they come back with its next run). */
  forget(run: string, trial: TrialRow): void {
    for (const key of [...this.lastStep.keys()]) if (key === run || key.startsWith(`${run}#`)) this.lastStep.delete(key);
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
