/**
 * A worker's report and what follows from it: recorded (record-report.ts), then a straggler it named
 * replaced (fault_tolerance.replace_stragglers), a peer recovery advanced (regroup, recovered), or a
 * search trial judged at its rung (a validation report of an ASHA search).
 */
import type { AgentMessage } from '@orquesta/protocol';
import type { AshaSearches } from '../search/asha-searches.js';
import type { Store } from '../store/store.js';
import type { RunTracker } from './coordinator-types.js';
import type { DaemonAction } from './daemon-action.js';
import type { GoodputBook } from './goodput-book.js';
import type { PeerRecoveries } from './peer-recoveries.js';
import { recordReport } from './record-report.js';
import type { ReportFigures } from './report-figures.js';
import type { StragglerWatch } from './straggler-watch.js';

export interface ReportParts {
  readonly store: Store;
  readonly figures: ReportFigures;
  readonly stragglers: StragglerWatch;
  readonly goodput: GoodputBook;
  readonly recoveries: PeerRecoveries;
  readonly searches: AshaSearches;
}

export function workerReport(
  parts: ReportParts,
  tracker: RunTracker | undefined,
  message: Extract<AgentMessage, { type: 'worker-report' }>,
  now: number,
): DaemonAction[] {
  const { store, recoveries } = parts;
  const stragglers = recordReport(store, parts.figures, parts.stragglers, parts.goodput, tracker, message, now);
  if (!tracker) return [];
  const actions: DaemonAction[] = [];
  for (const rank of stragglers) actions.push(...recoveries.retire(store.trial(tracker.trialId), message.run, rank));
  const { report } = message;
  if (report.type === 'regroup' || report.type === 'recovered')
    actions.push(...recoveries.reported(store.trial(tracker.trialId), message.run, message.rank, report, now));
  if (report.type === 'evaluation') actions.push(...parts.searches.evaluated(store.trial(tracker.trialId), report.step, report));
  return actions;
}
