/**
 * The worker report schema: what a worker prints, one JSON object per line on stdout. Fields a
 * report does not declare are allowed and passed through (progress reports carry the trainer's
 * whole step-time split); every declared field is checked.
 */
import { Type } from '@sinclair/typebox';
import { choice, count, taggedUnion } from './wire-schema.js';

export const WORKER_REPORT_VERSION = 1;

export const WORKER_REPORT = {
  started: 'started',
  progress: 'progress',
  timing: 'timing',
  evaluation: 'evaluation',
  checkpoint: 'checkpoint',
  done: 'done',
  failed: 'failed',
  regroup: 'regroup',
  recovered: 'recovered',
} as const;

const v = Type.Literal(WORKER_REPORT_VERSION);

/**
 * A worker's memory, in bytes: resident set now, tfjs tensor bytes now, the process's peak resident set
 * so far, and (wasm backends) the wasm heap's size, which only grows, so it is its peak.
 */
export const WorkerMemorySchema = Type.Object({
  rss: Type.Readonly(count()),
  tensors: Type.Readonly(count()),
  peakRss: Type.Optional(Type.Readonly(count())),
  wasmHeap: Type.Optional(Type.Readonly(count())),
});

/** Seconds per step, split by phase. */
const StepSecondsSchema = Type.Object({ data: Type.Number(), compute: Type.Number(), allReduce: Type.Number(), optimizer: Type.Number() });

/** A rank's compute (forward and backward) seconds over the steps since its previous report: what straggler detection compares. */
const ComputeWindowSchema = Type.Object({ steps: count(), seconds: Type.Number({ minimum: 0 }) });

const seconds = () => Type.Number({ minimum: 0 });

/**
 * Where a worker's wall time went since its process started, in seconds (rank 0 reports it; the
 * coordinator turns it into the trial's goodput): starting up (process start to the first step),
 * training steps, blocking evaluation, checkpoint saves as they held the loop, and everything else
 * (reports, replica checks). They sum to the process's age.
 */
export const TimeUseSchema = Type.Object({
  startup: seconds(),
  steps: seconds(),
  evaluation: seconds(),
  checkpoint: seconds(),
  other: seconds(),
});

const StartedSchema = Type.Object({
  v,
  type: Type.Literal(WORKER_REPORT.started),
  rank: count(),
  worldSize: count(),
  backend: Type.String(),
  parameters: count(),
  resumedFrom: Type.Union([count(), Type.Null()]),
  maxSteps: count(),
  dataSummary: Type.Array(Type.String()),
});

const ProgressSchema = Type.Object({
  v,
  type: Type.Literal(WORKER_REPORT.progress),
  step: count(),
  maxSteps: count(),
  loss: Type.Number(),
  lr: Type.Number(),
  gradNorm: Type.Number(),
  /** Target tokens per second over all ranks, since the previous progress report. */
  tokensPerSecond: Type.Number(),
  /** Seconds per step, split, on rank 0. */
  seconds: StepSecondsSchema,
  /** Rank 0's resident memory and tfjs tensor memory, in bytes. */
  memory: Type.Optional(WorkerMemorySchema),
  /** Bytes rank 0 sends per step in gradient all-reduces (2(N-1)/N of the gradients). */
  allReduceBytes: Type.Optional(count()),
  computeWindow: Type.Optional(ComputeWindowSchema),
  time: Type.Optional(TimeUseSchema),
});

/**
 * Every other rank's step phases at the same steps as rank 0's progress reports, and every rank's
 * (rank 0's too) at least every few seconds in between, for straggler detection.
 */
const TimingSchema = Type.Object({
  v,
  type: Type.Literal(WORKER_REPORT.timing),
  rank: count(),
  step: count(),
  seconds: StepSecondsSchema,
  memory: Type.Optional(WorkerMemorySchema),
  allReduceBytes: Type.Optional(count()),
  computeWindow: Type.Optional(ComputeWindowSchema),
  time: Type.Optional(TimeUseSchema),
});

const EvaluationSchema = Type.Object({
  v,
  type: Type.Literal(WORKER_REPORT.evaluation),
  step: count(),
  loss: Type.Number(),
  perplexity: Type.Number(),
  tokens: count(),
  /** Corpus BLEU (0-100) of greedy translations of the first `bleuSentences` validation pairs, when measured. */
  bleu: Type.Optional(Type.Number()),
  bleuSentences: Type.Optional(count()),
});

/** A checkpoint in place; with the seconds the save cost the training loop and the seconds its write took (background writes run beside training). */
const CheckpointSchema = Type.Object({
  v,
  type: Type.Literal(WORKER_REPORT.checkpoint),
  step: count(),
  path: Type.String(),
  blockingSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  writeSeconds: Type.Optional(Type.Number({ minimum: 0 })),
});

const DoneSchema = Type.Object({ v, type: Type.Literal(WORKER_REPORT.done), step: count(), reason: choice(['max_steps', 'stopped'] as const) });

/** Any rank's failure; `rank` is -1 when the worker could not read its rank. */
const FailedSchema = Type.Object({ v, type: Type.Literal(WORKER_REPORT.failed), rank: Type.Integer(), error: Type.String(), message: Type.String() });

/**
 * Peer recovery: this rank is ready to form process group `generation`. A surviving rank has left its
 * broken group keeping its state (`holds`, at `step`); a replacement (`holds` false) has loaded its
 * data and model. Rank 0 adds where its time went (`time`) up to the failure.
 */
const RegroupSchema = Type.Object({
  v,
  type: Type.Literal(WORKER_REPORT.regroup),
  rank: count(),
  generation: count(),
  holds: Type.Boolean(),
  step: count(),
  time: Type.Optional(TimeUseSchema),
});

/**
 * Peer recovery done (rank 0): group `generation` formed and every rank holds `source`'s state of
 * `step`; `replaced` ranks started without state. `seconds`: rank 0's wait from leaving the broken group.
 */
const RecoveredSchema = Type.Object({
  v,
  type: Type.Literal(WORKER_REPORT.recovered),
  generation: count(),
  step: count(),
  source: count(),
  replaced: Type.Array(count()),
  seconds: seconds(),
});

export const WorkerReportSchema = taggedUnion(
  [StartedSchema, ProgressSchema, TimingSchema, EvaluationSchema, CheckpointSchema, DoneSchema, FailedSchema, RegroupSchema, RecoveredSchema],
  'a worker report',
);
