/**
 * What a worker tells its launcher, one JSON object per line on stdout (versioned; unknown or
 * malformed lines are reported by the reader, never trusted). Rank 0 reports progress for the
 * whole job; every rank reports its own failure.
 */
export const WORKER_REPORT_VERSION = 1;

export const WORKER_REPORT = {
  started: 'started',
  progress: 'progress',
  timing: 'timing',
  evaluation: 'evaluation',
  checkpoint: 'checkpoint',
  done: 'done',
  failed: 'failed',
} as const;

export type WorkerReport =
  | { v: 1; type: 'started'; rank: number; worldSize: number; backend: string; parameters: number; resumedFrom: number | null; maxSteps: number; dataSummary: string[] }
  | {
      v: 1;
      type: 'progress';
      step: number;
      maxSteps: number;
      loss: number;
      lr: number;
      gradNorm: number;
      /** Target tokens per second over all ranks, since the previous progress report. */
      tokensPerSecond: number;
      /** Seconds per step, split, on rank 0. */
      seconds: { data: number; compute: number; allReduce: number; optimizer: number };
      /** Rank 0's resident memory and tfjs tensor memory, in bytes. */
      memory?: WorkerMemory;
      /** Bytes rank 0 sends per step in gradient all-reduces (2(N-1)/N of the gradients). */
      allReduceBytes?: number;
    }
  /** Every other rank's step phases at the same steps as rank 0's progress reports. */
  | { v: 1; type: 'timing'; rank: number; step: number; seconds: { data: number; compute: number; allReduce: number; optimizer: number }; memory?: WorkerMemory; allReduceBytes?: number }
  | {
      v: 1;
      type: 'evaluation';
      step: number;
      loss: number;
      perplexity: number;
      tokens: number;
      /** Corpus BLEU (0-100) of greedy translations of the first `bleuSentences` validation pairs, when measured. */
      bleu?: number;
      bleuSentences?: number;
    }
  | { v: 1; type: 'checkpoint'; step: number; path: string }
  | { v: 1; type: 'done'; step: number; reason: 'max_steps' | 'stopped' }
  | { v: 1; type: 'failed'; rank: number; error: string; message: string };

/** A worker's memory, in bytes. */
export interface WorkerMemory {
  readonly rss: number;
  readonly tensors: number;
}

export type WorkerReportType = WorkerReport['type'];

/** Parses one stdout line; undefined for a line that is not a report (ordinary log output). */
export function parseWorkerReport(line: string): WorkerReport | undefined {
  if (!line.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, type } = value as { v?: unknown; type?: unknown };
  if (v !== WORKER_REPORT_VERSION || typeof type !== 'string' || !(type in WORKER_REPORT)) return undefined;
  return value as WorkerReport;
}

export function formatWorkerReport(report: WorkerReport): string {
  return JSON.stringify(report);
}
