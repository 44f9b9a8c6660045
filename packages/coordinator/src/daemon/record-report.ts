/**
 * A worker's report as the coordinator keeps it: the first report of a run's rank moves its trial
 * from scheduled to running; `started` is an event; figures go to the store and metrics, compute
 * seconds to the straggler watch (speeds as metrics, a rank that stays slow named in an event); `done`
 * and `failed` are remembered on the run's tracker for when its workers exit. Rank 0's time use feeds the
 * trial's goodput ledger. Returns the ranks this report got named stragglers (for replace_stragglers).
 */
import type { AgentMessage } from '@orquesta/protocol';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { runId, type RunTracker } from './coordinator-types.js';
import type { GoodputBook } from './goodput-book.js';
import type { ReportFigures } from './report-figures.js';
import type { StragglerVerdict, StragglerWatch } from './straggler-watch.js';

export function recordReport(
  store: Store,
  figures: ReportFigures,
  stragglers: StragglerWatch,
  goodput: GoodputBook,
  tracker: RunTracker | undefined,
  message: Extract<AgentMessage, { type: 'worker-report' }>,
  now: number,
): readonly number[] {
  if (!tracker) return [];
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
      goodput.resumed(trial, run, report.resumedFrom, now);
      return [];
    case 'progress':
    case 'timing':
      figures.record(run, trial, rank, report);
      if (report.time !== undefined && (report.type === 'progress' || report.rank === 0)) goodput.reported(trial, run, report.step, report.time, now);
      if (report.computeWindow === undefined) return [];
      return watchStragglers(store, figures, stragglers.observe(run, tracker.ranks, rank, report.computeWindow, now), run, trial, now);
    case 'evaluation':
    case 'checkpoint':
      figures.record(run, trial, rank, report);
      return [];
    case 'done':
      tracker.doneReason = report.reason;
      return [];
    case 'failed':
      tracker.lastError.set(rank, `${report.error}: ${report.message}`);
      return [];
    case 'regroup':
      // Rank 0 says where its time went up to the failure.
      if (report.time !== undefined && rank === 0) goodput.reported(trial, run, report.step, report.time, now);
      return [];
    case 'recovered':
      return []; // peer recovery (peer-recoveries.ts) records it
    default: {
      const unreachable: never = report;
      throw new TypeError(`unknown worker report ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The watch's verdict on a report: every rank's speed as a metric, each rank it names in a straggler event with its node. */
function watchStragglers(store: Store, figures: ReportFigures, verdict: StragglerVerdict, run: string, trial: TrialRow, now: number): number[] {
  if (verdict.speeds.size === 0) return [];
  figures.speeds(trial, verdict.speeds);
  store.setRankSpeeds(trial.id, Object.fromEntries([...verdict.speeds].map(([rank, speed]) => [String(rank), Math.round(speed * 1000) / 1000])));
  for (const s of verdict.named) {
    const node = store.workers(run).find((w) => w.rank === s.rank)?.agent;
    store.addEvent({
      experimentId: trial.experimentId,
      trialId: trial.id,
      kind: 'straggler',
      message: `trial ${trial.idx} rank ${s.rank}${node === undefined ? '' : ` on ${node}`} is a straggler: speed ${s.speed.toFixed(2)} of the fastest rank's (compute ${(1 / s.speed).toFixed(2)}x as long per step) for ${Math.round((now - s.slowSince) / 1000)} s`,
    });
  }
  return verdict.named.map((s) => s.rank);
}
