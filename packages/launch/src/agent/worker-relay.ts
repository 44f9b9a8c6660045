/** A worker's reports, log lines and exit as control messages to the coordinator: how node agents and Slurm tasks relay their workers. */
import type { WorkerReport } from '@orquesta/protocol';
import type { AgentConnection } from './agent-connection.js';

export interface WorkerRelay {
  readonly onReport: (report: WorkerReport) => void;
  readonly onLog: (line: string) => void;
  readonly exited: (exit: { readonly code: number | null; readonly signal: string | null }) => void;
}

export function workerRelay(connection: AgentConnection, run: string, rank: number): WorkerRelay {
  return {
    onReport: (report) => connection.send({ v: 1, type: 'worker-report', run, rank, report }),
    onLog: (line) => connection.send({ v: 1, type: 'worker-log', run, rank, lines: [line] }),
    exited: ({ code, signal }) => connection.send({ v: 1, type: 'worker-exited', run, rank, code, signal }),
  };
}
