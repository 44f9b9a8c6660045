/**
 * A worker's report as the coordinator keeps it: the first report of a run's rank moves its trial
 * from scheduled to running; `started` is an event; figures go to the store and metrics; `done` and
 * `failed` are remembered on the run's tracker for when its workers exit.
 */
import type { AgentMessage } from '@orquesta/protocol';
import type { Store } from '../store/store.js';
import { runId, type RunTracker } from './coordinator-types.js';
import type { ReportFigures } from './report-figures.js';

export function recordReport(
  store: Store,
  figures: ReportFigures,
  tracker: RunTracker | undefined,
  message: Extract<AgentMessage, { type: 'worker-report' }>,
): void {
  if (!tracker) return;
  const { run, rank, report } = message;
  const trial = store.trial(tracker.trialId);
  if (trial.state === 'scheduled' && runId(trial.id, trial.attempt) === run)
    store.moveTrial(trial.id, 'scheduled', 'running', `rank ${rank} reported ${report.type}`);
  switch (report.type) {
    case 'started':
      store.addEvent({
        experimentId: tracker.experimentId,
        trialId: tracker.trialId,
        kind: 'started',
        message: `trial ${trial.idx}: ${report.worldSize} worker(s) on ${report.backend}, ${report.resumedFrom === null ? 'from step 0' : `resumed from step ${report.resumedFrom}`}`,
      });
      return;
    case 'progress':
    case 'timing':
    case 'evaluation':
    case 'checkpoint':
      return figures.record(run, trial, rank, report);
    case 'done':
      tracker.doneReason = report.reason;
      return;
    case 'failed':
      tracker.lastError.set(rank, `${report.error}: ${report.message}`);
      return;
    default: {
      const unreachable: never = report;
      throw new TypeError(`unknown worker report ${JSON.stringify(unreachable)}`);
    }
  }
}
