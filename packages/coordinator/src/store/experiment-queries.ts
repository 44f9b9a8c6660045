/** The store's read-only queries for lists at scale: a page of experiments with their trials' figures, counts by state, queue positions. */
import type Database from 'better-sqlite3';
import { PENDING_STATES, type JobState } from '../jobs/job-state.js';
import type { ExperimentRow, TrialRow } from './rows.js';
import { experimentHeader, type Row } from './row-mapping.js';

type Sql = (text: string) => Database.Statement;

export interface ExperimentPageQuery {
  readonly state?: JobState;
  readonly limit: number;
  readonly offset: number;
  readonly newest?: boolean;
}

export interface ExperimentPage {
  readonly rows: (Omit<ExperimentRow, 'specYaml'> & { trials: number; step: number; validLoss: number | null })[];
  readonly total: number;
}

/**
 * A page of experiments with their trials' figures (count, furthest step, best validation loss), in
 * one query: `state` filters, `offset` and `limit` page (ids ascending, or from the newest with
 * `newest`; rows always come ids ascending); `total` counts the matches.
 */
export function experimentPage(sql: Sql, query: ExperimentPageQuery): ExperimentPage {
  const where = query.state === undefined ? '' : 'WHERE e.state = ?';
  const args = query.state === undefined ? [] : [query.state];
  const rows = sql(
    `SELECT e.id, e.name, e.state, e.priority, e.created_at, e.updated_at, e.submitter,
            count(t.id) AS trial_count, max(coalesce(t.last_step, 0)) AS max_step, min(t.valid_loss) AS best_valid_loss
     FROM (SELECT id, name, state, priority, created_at, updated_at, submitter FROM experiments e ${where} ORDER BY e.id ${query.newest ? 'DESC' : ''} LIMIT ? OFFSET ?) e LEFT JOIN trials t ON t.experiment_id = e.id
     GROUP BY e.id ORDER BY e.id`,
  ).all(...args, query.limit, query.offset) as Row[];
  const total = (sql(`SELECT count(*) AS n FROM experiments e ${where}`).get(...args) as { n: number }).n;
  return {
    rows: rows
      .map((r) => ({
        ...experimentHeader(r),
        trials: Number(r['trial_count']),
        step: Math.max(0, Number(r['max_step'] ?? 0)),
        validLoss: r['best_valid_loss'] == null ? null : Number(r['best_valid_loss']),
      }))
      .sort((a, b) => a.id - b.id),
    total,
  };
}

/** How many rows of `table` are in each state. */
export function countsByState(sql: Sql, table: 'experiments' | 'trials'): Record<string, number> {
  const rows = sql(`SELECT state, count(*) AS n FROM ${table} GROUP BY state`).all() as { state: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** 1 + the waiting trials a scheduling pass considers before `trial` (higher priority, then queued earlier, then lower id). */
export function queuePosition(sql: Sql, trial: Pick<TrialRow, 'id' | 'priority' | 'queuedAt'>): number {
  const ahead = sql(
    `SELECT count(*) AS n FROM trials WHERE state IN (${PENDING_STATES.map(() => '?').join(',')})
     AND (priority > ? OR (priority = ? AND (queued_at < ? OR (queued_at = ? AND id < ?))))`,
  ).get(...PENDING_STATES, trial.priority, trial.priority, trial.queuedAt, trial.queuedAt, trial.id) as { n: number };
  return ahead.n + 1;
}
