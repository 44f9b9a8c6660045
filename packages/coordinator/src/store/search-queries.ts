/**
 * The store's rows for searches: ASHA's result of each trial at each rung (kept so a search survives
 * a coordinator restart; rows come back in the order they were recorded), and the validation series
 * that `compare` overlays.
 */
import type Database from 'better-sqlite3';
import type { RungResult } from '../search/asha.js';
import type { Row } from './row-mapping.js';

type Sql = (text: string) => Database.Statement;

/** One validation result of a trial, as `compare` reads it. */
export interface EvaluationPoint {
  readonly trialId: number;
  readonly step: number;
  readonly loss: number;
  readonly bleu: number | null;
  /** When it was recorded, epoch ms. */
  readonly ts: number;
}

export class SearchQueries {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number,
  ) {}

  /** Every rung result of the experiment's trials, in the order they were recorded. */
  rungResults(experimentId: number): RungResult[] {
    const rows = this.sql(`SELECT trial_id, rung, step, value, verdict FROM rung_results WHERE experiment_id = ? ORDER BY rowid`).all(experimentId) as Row[];
    return rows.map((r) => ({
      trialId: Number(r['trial_id']),
      rung: Number(r['rung']),
      step: Number(r['step']),
      value: Number(r['value']),
      verdict: r['verdict'] === 'stop' ? 'stop' : 'continue',
    }));
  }

  /** Records a trial's result at a rung (once: a second result at the same rung is ignored). */
  recordRungResult(experimentId: number, result: RungResult): void {
    this.sql(`INSERT OR IGNORE INTO rung_results (experiment_id, trial_id, rung, step, value, verdict, ts) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
      experimentId,
      result.trialId,
      result.rung,
      result.step,
      Number.isFinite(result.value) ? result.value : 1e308,
      result.verdict,
      this.now(),
    );
  }

  /** The validation results of the experiment's trials, oldest first. */
  evaluations(experimentId: number): EvaluationPoint[] {
    const rows = this.sql(
      `SELECT m.trial_id, m.step, m.ts, json_extract(m.json, '$.loss') AS loss, json_extract(m.json, '$.bleu') AS bleu
       FROM metrics m JOIN trials t ON t.id = m.trial_id WHERE t.experiment_id = ? AND m.kind = 'evaluation' ORDER BY m.id`,
    ).all(experimentId) as Row[];
    return rows.map((r) => ({
      trialId: Number(r['trial_id']),
      step: Number(r['step']),
      loss: Number(r['loss']),
      bleu: r['bleu'] == null ? null : Number(r['bleu']),
      ts: Number(r['ts']),
    }));
  }
}
