/**
 * What a worker tells its launcher, one JSON object per line on stdout (versioned; unknown or
 * malformed lines are reported by the reader, never trusted). Rank 0 reports progress for the
 * whole job; every rank reports its own failure. The shapes are declared once, in
 * worker-report-schema.ts.
 */
import type { Static } from '@sinclair/typebox';
import { compileWireSchema } from './wire-schema.js';
import { WorkerReportSchema, type TimeUseSchema, type WorkerMemorySchema } from './worker-report-schema.js';

export { WORKER_REPORT, WORKER_REPORT_VERSION } from './worker-report-schema.js';

export type WorkerReport = Static<typeof WorkerReportSchema>;

/** A worker's memory, in bytes. */
export type WorkerMemory = Static<typeof WorkerMemorySchema>;

/** Where a worker's wall time went since its process started, in seconds. */
export type TimeUse = Static<typeof TimeUseSchema>;

export type WorkerReportType = WorkerReport['type'];

const isWorkerReport = compileWireSchema<WorkerReport>(WorkerReportSchema);

/**
 * Parses one stdout line; undefined for a line that is not a report (ordinary log output) and for
 * one that claims to be a report but has a missing or mistyped field.
 */
export function parseWorkerReport(line: string): WorkerReport | undefined {
  if (!line.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return isWorkerReport(value) ? value : undefined;
}

export function formatWorkerReport(report: WorkerReport): string {
  return JSON.stringify(report);
}
