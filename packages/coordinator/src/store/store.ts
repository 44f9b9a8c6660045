/**
 * The coordinator's state in SQLite (better-sqlite3, WAL): experiments, trials, workers, agents,
 * events, metrics, checkpoints and logs. Every trial state change and its event row are written in
 * one transaction, so a daemon killed at any point restarts from a consistent file.
 */
import type Database from 'better-sqlite3';
import { experimentState, transition, type JobState, type StopTarget } from '../jobs/job-state.js';
import type { Placement } from '../scheduler/cluster-view.js';
import { TRIAL_CHANGE_COLUMNS, type AgentRow, type AgentState, type EventRow, type ExperimentRow, type LogRow, type MetricRow } from './rows.js';
import type { NewTrial, SchedulingRow, TrialChanges, TrialRow, WorkerRow } from './rows.js';
import { agentRow, eventRow, experimentRow, logRow, metricRow, schedulingRow, trialRow, workerRow, type Row } from './row-mapping.js';
import { openDatabase, openReadOnly } from './open-database.js';
import { NotFoundError, StaleStateError } from './store-errors.js';
import { SCHEDULABLE, SchedulableTrials } from './schedulable-trials.js';
import { countsByState, experimentPage, queuePosition, type ExperimentPage, type ExperimentPageQuery } from './experiment-queries.js';
import { keepLatestTimings } from './metric-retention.js';
import { SearchQueries } from './search-queries.js';
import { AccountQueries } from './account-queries.js';

export type { NewTrial, TrialChanges } from './rows.js';

export class Store {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Pending and active trials as the scheduler reads them. */
  private readonly schedulable = new SchedulableTrials(() => {
    const columns = 'id, state, priority, preemptible, workers, min_workers, slots_per_worker, launcher, queued_at, placed_at, placement_json, submitter';
    const placeholders = SCHEDULABLE.map(() => '?').join(',');
    return (this.sql(`SELECT ${columns} FROM trials WHERE state IN (${placeholders})`).all(...SCHEDULABLE) as Row[]).map(schedulingRow);
  });

  /**
   * @param defer runs the commit of a batch of writes (`batchWrites`) later. Defaults to setImmediate:
   *   one transaction per turn of the event loop.
   * @param access `read-only`: a reader beside the writer (the API's thread), whose writes throw.
   * @throws {StoreOpenError} the file cannot be opened or has another schema version.
   */
  constructor(
    file: string,
    private readonly now: () => number = Date.now,
    private readonly defer: (commit: () => void) => void = setImmediate,
    access: 'read-write' | 'read-only' = 'read-write',
  ) {
    this.db = access === 'read-only' ? openReadOnly(file) : openDatabase(file);
  }

  /** The prepared statement of `text`, prepared once. */
  private readonly sql = (text: string): Database.Statement => {
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  };
  /** Searches' rows (search-queries.ts); tokens, submitters and the audit trail (account-queries.ts). */
  readonly search = new SearchQueries(this.sql, () => this.now());
  readonly accounts = new AccountQueries(this.sql, () => this.now());

  /**
   * Every write from now until the next turn of the event loop shares one transaction (each write that
   * is a transaction of its own stays atomic within it, as a savepoint): a burst of agents' reports
   * costs one commit. Readers on this connection see the writes at once; `flush` commits early (before
   * a reply that acknowledges a write).
   */
  batchWrites(): void {
    if (this.db.inTransaction) return;
    this.db.exec('BEGIN');
    this.defer(() => this.flush());
  }

  /** Commits an open batch of writes. */
  flush(): void {
    if (this.db.open && this.db.inTransaction) this.db.exec('COMMIT');
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    this.flush();
    this.db.close();
  }

  /** Keeps a trial's goodput ledger state (JSON). */
  setGoodput(trialId: number, goodputJson: string): void {
    this.sql(`UPDATE trials SET goodput_json = ? WHERE id = ?`).run(goodputJson, trialId);
  }

  setRankSpeeds(trialId: number, speeds: Readonly<Record<string, number>>): void {
    this.sql(`UPDATE trials SET rank_speeds_json = ? WHERE id = ?`).run(JSON.stringify(speeds), trialId);
  }

  /** `trials` builds the trial rows once the experiment id is known (their checkpoint paths use it). `submitter`: the user. */
  createExperiment(
    name: string,
    specYaml: string,
    priority: number,
    makeTrials: (experimentId: number) => readonly NewTrial[],
    submitter: string | null = null,
  ): { id: number; trials: number[] } {
    const created = this.db.transaction(() => {
      const ts = this.now();
      const experiment = `INSERT INTO experiments (name, spec_yaml, state, priority, created_at, updated_at, submitter) VALUES (?, ?, 'queued', ?, ?, ?, ?)`;
      const id = Number(this.sql(experiment).run(name, specYaml, priority, ts, ts, submitter).lastInsertRowid);
      const insert = this.sql(
        `INSERT INTO trials (experiment_id, idx, overrides_json, spec_json, state, max_restarts, priority, preemptible, workers, min_workers, slots_per_worker, launcher, queued_at, checkpoint_dir, created_at, updated_at, submitter)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const trials = makeTrials(id);
      const ids = trials.map((t) =>
        Number(
          insert.run(
            id,
            t.idx,
            JSON.stringify(t.overrides),
            t.specJson,
            t.maxRestarts,
            t.priority,
            t.preemptible ? 1 : 0,
            t.workers,
            t.minWorkers ?? null,
            t.slotsPerWorker,
            t.launcher,
            ts,
            t.checkpointDir,
            ts,
            ts,
            submitter,
          ).lastInsertRowid,
        ),
      );
      this.addEvent({
        experimentId: id,
        trialId: null,
        kind: 'submit',
        message: `submitted ${name} with ${trials.length} trial${trials.length === 1 ? '' : 's'}, priority ${priority}`,
      });
      return { id, trials: ids };
    })();
    for (const trial of created.trials) this.schedulable.keep(this.trial(trial));
    return created;
  }

  /** A page of experiments with their trials' figures (experiment-queries.ts). */
  experimentPage(query: ExperimentPageQuery): ExperimentPage {
    return experimentPage(this.sql, query);
  }

  /** How many trials are in each state. */
  trialCounts(): Record<string, number> {
    return countsByState(this.sql, 'trials');
  }

  /** How many experiments are in each state. */
  experimentCounts(): Record<string, number> {
    return countsByState(this.sql, 'experiments');
  }

  /** @throws {NotFoundError} */
  experiment(id: number): ExperimentRow {
    const row = this.sql(`SELECT * FROM experiments WHERE id = ?`).get(id) as Row | undefined;
    if (!row) throw new NotFoundError('experiment', id);
    return experimentRow(row);
  }

  trials(experimentId: number): TrialRow[] {
    return (this.sql(`SELECT * FROM trials WHERE experiment_id = ? ORDER BY idx`).all(experimentId) as Row[]).map(trialRow);
  }

  /** What the scheduler reads of the trials in `states` (pending or active ones), from memory (schedulable-trials.ts). */
  schedulingRows(states: readonly JobState[]): SchedulingRow[] {
    return this.schedulable.rows(states);
  }

  /** 1 + the waiting trials a scheduling pass considers before `trial` (experiment-queries.ts). */
  queuePosition(trial: Pick<TrialRow, 'id' | 'priority' | 'queuedAt'>): number {
    return queuePosition(this.sql, trial);
  }

  /** A finished run's per-rank timing rows but each rank's latest (metric-retention.ts). */
  keepLatestTimings(trialId: number): void {
    keepLatestTimings(this.sql, trialId);
  }

  trialsIn(states: readonly JobState[]): TrialRow[] {
    return (this.sql(`SELECT * FROM trials WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY id`).all(...states) as Row[]).map(trialRow);
  }

  /** @throws {NotFoundError} */
  trial(id: number): TrialRow {
    const row = this.sql(`SELECT * FROM trials WHERE id = ?`).get(id) as Row | undefined;
    if (!row) throw new NotFoundError('trial', id);
    return trialRow(row);
  }

  /**
   * Moves a trial to `to` (checked against the transition table and against the state it was read
   * in), applies `changes` and records the event, in one transaction; refreshes the experiment state.
   * @throws {IllegalTransitionError} the table forbids it.
   * @throws {StaleStateError} the trial is no longer in `from`.
   */
  moveTrial(id: number, from: JobState, to: JobState, cause: string, changes: TrialChanges = {}): TrialRow {
    const event = transition(from, to, cause);
    const moved = this.db.transaction(() => {
      const current = this.trial(id);
      if (current.state !== from) throw new StaleStateError(`trial ${id} is ${current.state}, not ${from}`);
      const sets: string[] = ['state = ?', 'updated_at = ?'];
      const values: unknown[] = [to, this.now()];
      for (const [key, column] of Object.entries(TRIAL_CHANGE_COLUMNS) as [keyof TrialChanges, string][]) {
        const value = changes[key];
        if (value === undefined) continue;
        sets.push(`${column} = ?`);
        values.push(key === 'placement' && value !== null ? JSON.stringify(value) : value);
      }
      this.sql(`UPDATE trials SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
      this.addEvent({
        experimentId: current.experimentId,
        trialId: id,
        kind: event.kind,
        fromState: from,
        toState: to,
        message: `trial ${current.idx}: ${from} -> ${to}: ${cause}`,
      });
      this.refreshExperiment(current.experimentId);
      return this.trial(id);
    })();
    this.schedulable.keep(moved);
    return moved;
  }

  /** Replaces a trial's placement (the Slurm job id arrives after the trial was scheduled). */
  updatePlacement(id: number, placement: Placement): void {
    this.sql(`UPDATE trials SET placement_json = ?, updated_at = ? WHERE id = ?`).run(JSON.stringify(placement), this.now(), id);
    if (this.schedulable.has(id)) this.schedulable.keep(this.trial(id));
  }

  /** Records where a stopping (checkpointing or restarting) trial goes once its workers have exited. */
  setStopTarget(id: number, target: StopTarget, cause: string): void {
    this.db.transaction(() => {
      const trial = this.trial(id);
      this.sql(`UPDATE trials SET stop_target = ?, updated_at = ? WHERE id = ?`).run(target, this.now(), id);
      this.addEvent({
        experimentId: trial.experimentId,
        trialId: id,
        kind: 'stop-requested',
        message: `trial ${trial.idx} (${trial.state}): ${cause}; it goes to ${target} once its workers exit`,
      });
    })();
  }

  /** Progress, evaluation and checkpoint figures a trial's rank 0 reported. */
  recordProgress(trialId: number, kind: MetricRow['kind'], step: number, values: Record<string, unknown>): void {
    const ts = this.now();
    this.db.transaction(() => {
      this.sql(`INSERT INTO metrics (ts, trial_id, step, kind, json) VALUES (?, ?, ?, ?, ?)`).run(ts, trialId, step, kind, JSON.stringify(values));
      if (kind === 'progress')
        this.sql(`UPDATE trials SET last_step = MAX(last_step, ?), train_loss = ?, tokens_per_second = ?, updated_at = ? WHERE id = ?`).run(
          step,
          values['loss'] ?? null,
          values['tokensPerSecond'] ?? null,
          ts,
          trialId,
        );
      else if (kind === 'evaluation')
        this.sql(`UPDATE trials SET valid_loss = ?, valid_perplexity = ?, updated_at = ? WHERE id = ?`).run(
          values['loss'] ?? null,
          values['perplexity'] ?? null,
          ts,
          trialId,
        );
    })();
  }

  recordCheckpoint(trialId: number, step: number, path: string): void {
    const ts = this.now();
    this.db.transaction(() => {
      this.sql(`INSERT OR REPLACE INTO checkpoints (trial_id, step, path, ts) VALUES (?, ?, ?, ?)`).run(trialId, step, path, ts);
      this.sql(`UPDATE trials SET last_checkpoint = ?, last_step = MAX(last_step, ?), updated_at = ? WHERE id = ?`).run(path, step, ts, trialId);
    })();
  }

  metrics(trialId: number, afterId = 0, limit = 10_000): MetricRow[] {
    return (this.sql(`SELECT * FROM metrics WHERE trial_id = ? AND id > ? ORDER BY id LIMIT ?`).all(trialId, afterId, limit) as Row[]).map(metricRow);
  }

  /** Metric rows of every trial of an experiment after `afterId`. */
  experimentMetrics(experimentId: number, afterId = 0, limit = 10_000): MetricRow[] {
    return (
      this.sql(`SELECT m.* FROM metrics m JOIN trials t ON t.id = m.trial_id WHERE t.experiment_id = ? AND m.id > ? ORDER BY m.id LIMIT ?`).all(
        experimentId,
        afterId,
        limit,
      ) as Row[]
    ).map(metricRow);
  }

  putWorkers(rows: readonly Omit<WorkerRow, 'updatedAt'>[]): void {
    const ts = this.now();
    const insert = this.sql(
      `INSERT OR REPLACE INTO workers (run, trial_id, rank, agent, host, port, slots_json, pid, state, exit_code, exit_signal, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const w of rows)
        insert.run(w.run, w.trialId, w.rank, w.agent, w.host, w.port, JSON.stringify(w.slots), w.pid, w.state, w.exitCode, w.exitSignal, ts);
    })();
  }

  workerStarted(run: string, rank: number, pid: number): void {
    this.sql(`UPDATE workers SET state = 'running', pid = ?, updated_at = ? WHERE run = ? AND rank = ? AND state != 'exited'`).run(pid, this.now(), run, rank);
  }

  workerExited(run: string, rank: number, code: number | null, signal: string | null): void {
    this.sql(`UPDATE workers SET state = 'exited', exit_code = ?, exit_signal = ?, updated_at = ? WHERE run = ? AND rank = ?`).run(
      code,
      signal,
      this.now(),
      run,
      rank,
    );
  }

  /** Workers of `agent` that have not exited. */
  liveWorkersOn(agent: string): WorkerRow[] {
    return (this.sql(`SELECT * FROM workers WHERE agent = ? AND state != 'exited'`).all(agent) as Row[]).map(workerRow);
  }

  /** Records when each agent was last heard from, in one transaction. */
  touchAgents(lastSeen: ReadonlyMap<string, number>): void {
    const update = this.sql(`UPDATE agents SET last_seen = ? WHERE id = ?`);
    this.db.transaction(() => {
      for (const [id, ts] of lastSeen) update.run(ts, id);
    })();
  }

  workers(run: string): WorkerRow[] {
    return (this.sql(`SELECT * FROM workers WHERE run = ? ORDER BY rank`).all(run) as Row[]).map(workerRow);
  }

  upsertAgent(agent: Omit<AgentRow, 'registeredAt' | 'lastSeen' | 'state'>): void {
    const ts = this.now();
    this.sql(
      `INSERT INTO agents (id, host, slots, gpus_json, ports_json, state, last_seen, registered_at) VALUES (?, ?, ?, ?, ?, 'alive', ?, ?)
         ON CONFLICT(id) DO UPDATE SET host = excluded.host, slots = excluded.slots, gpus_json = excluded.gpus_json, ports_json = excluded.ports_json, state = 'alive', last_seen = excluded.last_seen`,
    ).run(agent.id, agent.host, agent.slots, JSON.stringify(agent.gpus), JSON.stringify(agent.ports), ts, ts);
  }

  setAgentState(id: string, state: AgentState, lastSeen?: number): void {
    if (lastSeen === undefined) this.sql(`UPDATE agents SET state = ? WHERE id = ?`).run(state, id);
    else this.sql(`UPDATE agents SET state = ?, last_seen = ? WHERE id = ?`).run(state, lastSeen, id);
  }

  agents(): AgentRow[] {
    return (this.sql(`SELECT * FROM agents ORDER BY id`).all() as Row[]).map(agentRow);
  }

  addEvent(event: { experimentId: number | null; trialId: number | null; kind: string; message: string; fromState?: JobState; toState?: JobState }): void {
    this.sql(`INSERT INTO events (ts, experiment_id, trial_id, kind, from_state, to_state, message) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
      this.now(),
      event.experimentId,
      event.trialId,
      event.kind,
      event.fromState ?? null,
      event.toState ?? null,
      event.message,
    );
  }

  /** Events of one experiment but the audit trail's (or of the whole cluster with experimentId null) after `afterId`. */
  events(experimentId: number | null, afterId = 0, limit = 10_000): EventRow[] {
    const rows = (
      experimentId === null
        ? this.sql(`SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?`).all(afterId, limit)
        : this.sql(`SELECT * FROM events WHERE experiment_id = ? AND id > ? AND kind != 'audit' ORDER BY id LIMIT ?`).all(experimentId, afterId, limit)
    ) as Row[];
    return rows.map(eventRow);
  }

  addLogs(experimentId: number, trialId: number, rank: number, lines: readonly string[]): void {
    const ts = this.now();
    const insert = this.sql(`INSERT INTO logs (ts, experiment_id, trial_id, rank, line) VALUES (?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const line of lines) insert.run(ts, experimentId, trialId, rank, line);
    })();
  }

  logs(experimentId: number, afterId = 0, limit = 10_000): LogRow[] {
    return (this.sql(`SELECT * FROM logs WHERE experiment_id = ? AND id > ? ORDER BY id LIMIT ?`).all(experimentId, afterId, limit) as Row[]).map(logRow);
  }

  private refreshExperiment(id: number): void {
    const states = (this.sql(`SELECT state FROM trials WHERE experiment_id = ?`).all(id) as { state: JobState }[]).map((r) => r.state);
    this.sql(`UPDATE experiments SET state = ?, updated_at = ? WHERE id = ?`).run(experimentState(states), this.now(), id);
  }
}
