/**
 * What the metrics table keeps. Every rank's `timing` rows (seconds per step by phase, every report
 * of every rank) are nine in ten of its rows on a large cluster (about 800 a second with 8,000 ranks
 * reporting every 10 s); once a run has ended only each rank's latest is kept (the dashboard's phase
 * bars read it). Progress, evaluation and checkpoint rows (a trial's curves) are all kept.
 */
import type Database from 'better-sqlite3';

type Sql = (text: string) => Database.Statement;

export function keepLatestTimings(sql: Sql, trialId: number): void {
  sql(
    `DELETE FROM metrics WHERE trial_id = ? AND kind = 'timing' AND id NOT IN (
       SELECT max(id) FROM metrics WHERE trial_id = ? AND kind = 'timing' GROUP BY json_extract(json, '$.rank'))`,
  ).run(trialId, trialId);
}
