/**
 * Keeps each trial's goodput ledger (goodput-ledger.ts) on its row as the coordinator sees placements,
 * rank 0's reports and ends, and records the figures as metrics.
 */
import type { TimeUse } from '@orquesta/protocol';
import { PENDING_STATES } from '../jobs/job-state.js';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import {
  goodputEnded,
  goodputInterrupted,
  goodputPlaced,
  goodputReported,
  goodputResumed,
  goodputView,
  parseGoodput,
  type GoodputState,
  type GoodputView,
} from './goodput-ledger.js';
import type { ReportFigures } from './report-figures.js';

export class GoodputBook {
  /** The ledger segment a run's reports go to now: `run`, or `run/generation` after a peer recovery. */
  private readonly segments = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly figures: ReportFigures,
  ) {}

  placed(trial: TrialRow, run: string, now: number): void {
    this.update(trial, (s) => goodputPlaced(s, run, trial.lastStep, now), now);
  }

  resumed(trial: TrialRow, run: string, step: number | null, now: number): void {
    this.update(trial, (s) => goodputResumed(s, this.segment(run), step ?? 0), now);
  }

  reported(trial: TrialRow, run: string, step: number, time: TimeUse, now: number): void {
    this.update(trial, (s) => goodputReported(s, this.segment(run), step, time, now), now);
  }

  ended(trial: TrialRow, run: string, failed: boolean, now: number): void {
    this.update(trial, (s) => goodputEnded(s, this.segment(run), failed, now), now);
    this.segments.delete(run);
  }

  /** Peer recovery: a rank of `run` was lost; the others keep their state. */
  interrupted(trial: TrialRow, run: string, now: number): void {
    this.update(trial, (s) => goodputInterrupted(s, this.segment(run), now), now);
  }

  /** Peer recovery: group `generation` of `run` formed, every rank at `step`; rank 0's clock starts again. */
  recovered(trial: TrialRow, run: string, generation: number, step: number, now: number): void {
    const segment = `${run}/${generation}`;
    this.segments.set(run, segment);
    this.update(trial, (s) => goodputPlaced(s, segment, step, now), now);
  }

  private segment(run: string): string {
    return this.segments.get(run) ?? run;
  }

  private update(trial: TrialRow, change: (s: GoodputState) => GoodputState, now: number): void {
    const before = parseGoodput(trial.goodputJson);
    const after = change(before);
    if (after === before) return;
    this.store.setGoodput(trial.id, JSON.stringify(after));
    this.figures.goodput(trial, trialGoodput(after, trial, now));
  }
}

/** A trial's goodput figures now (a trial waiting to restart accrues recovery time). */
function trialGoodput(state: GoodputState, trial: Pick<TrialRow, 'state' | 'attempt'>, now: number): GoodputView {
  return goodputView(state, now, trial.attempt > 0 && (PENDING_STATES.includes(trial.state) || trial.state === 'restarting'));
}

/** The goodput figures kept on a trial's row, now; null before its first placement. */
export function goodputOf(trial: Pick<TrialRow, 'state' | 'attempt' | 'goodputJson'>, now: number): GoodputView | null {
  return trial.goodputJson === null ? null : trialGoodput(parseGoodput(trial.goodputJson), trial, now);
}
