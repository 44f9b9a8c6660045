/**
 * The coordinator's state in SQLite (better-sqlite3, WAL): experiments, trials, workers, agents,
 * events, metrics, checkpoints and logs. Every trial state change and its event row are written in
 * one transaction, so a daemon killed at any point restarts from a consistent file.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { experimentState, transition, type JobState, type StopTarget } from '../jobs/job-state.js';
import type { Placement } from '../scheduler/cluster-view.js';
import type { AgentRow, AgentState, EventRow, ExperimentRow, LogRow, MetricRow, TrialRow, WorkerRow } from './rows.js';
import { experimentRow, metricRow, trialRow, workerRow, type Row } from './row-mapping.js';
import { MIGRATIONS, SCHEMA_SQL, SCHEMA_VERSION } from './schema-sql.js';
import { NotFoundError, StaleStateError, StoreOpenError } from './store-errors.js';

export interface NewTrial {
  readonly idx: number;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly specJson: string;
  readonly checkpointDir: string;
  readonly maxRestarts: number;
  readonly priority: number;
  readonly preemptible: boolean;
  readonly workers: number;
  readonly slotsPerWorker: number;
}

/** Columns a state change may set beside the state. */
export interface TrialChanges {
  readonly stopTarget?: StopTarget | null;
  readonly attempt?: number;
  readonly restarts?: number;
  readonly queuedAt?: number;
  readonly placedAt?: number | null;
  readonly placement?: Placement | null;
  readonly priority?: number;
}

export class Store {
  private readonly db: Database.Database;

  /** @throws {StoreOpenError} the file cannot be opened or has another schema version. */
  constructor(
    file: string,
    private readonly now: () => number = Date.now,
  ) {
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.exec(SCHEMA_SQL);
    } catch (cause) {
      throw new StoreOpenError(`cannot open the coordinator database ${file}: ${(cause as Error).message}`, { cause });
    }
    const version = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
    if (version === undefined) this.db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
    else if (Number(version.value) !== SCHEMA_VERSION) this.migrate(file, Number(version.value));
  }

  close(): void {
    this.db.close();
  }

  /** Brings an older file to SCHEMA_VERSION, one version per transaction. @throws {StoreOpenError} a newer or unknown version. */
  private migrate(file: string, from: number): void {
    for (let v = from; v < SCHEMA_VERSION; v++) {
      const sql = MIGRATIONS[v];
      if (sql === undefined) break;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(v + 1));
      })();
      from = v + 1;
    }
    if (from !== SCHEMA_VERSION) throw new StoreOpenError(`${file} has schema version ${from}; this coordinator reads version ${SCHEMA_VERSION}`);
  }

  /** Keeps a trial's goodput ledger state (JSON). */
  setGoodput(trialId: number, goodputJson: string): void {
    this.db.prepare(`UPDATE trials SET goodput_json = ? WHERE id = ?`).run(goodputJson, trialId);
  }

  setRankSpeeds(trialId: number, speeds: Readonly<Record<string, number>>): void {
    this.db.prepare(`UPDATE trials SET rank_speeds_json = ? WHERE id = ?`).run(JSON.stringify(speeds), trialId);
  }

  /** `trials` builds the trial rows once the experiment id is known (their checkpoint paths use it). */
  createExperiment(
    name: string,
    specYaml: string,
    priority: number,
    makeTrials: (experimentId: number) => readonly NewTrial[],
  ): { id: number; trials: number[] } {
    return this.db.transaction(() => {
      const ts = this.now();
      const id = Number(
        this.db
          .prepare(`INSERT INTO experiments (name, spec_yaml, state, priority, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?, ?)`)
          .run(name, specYaml, priority, ts, ts).lastInsertRowid,
      );
      const insert = this.db.prepare(
        `INSERT INTO trials (experiment_id, idx, overrides_json, spec_json, state, max_restarts, priority, preemptible, workers, slots_per_worker, queued_at, checkpoint_dir, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
            t.slotsPerWorker,
            ts,
            t.checkpointDir,
            ts,
            ts,
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
  }

  listExperiments(): ExperimentRow[] {
    return (this.db.prepare(`SELECT * FROM experiments ORDER BY id`).all() as Row[]).map(experimentRow);
  }

  /** @throws {NotFoundError} */
  experiment(id: number): ExperimentRow {
    const row = this.db.prepare(`SELECT * FROM experiments WHERE id = ?`).get(id) as Row | undefined;
    if (!row) throw new NotFoundError('experiment', id);
    return experimentRow(row);
  }

  trials(experimentId: number): TrialRow[] {
    return (this.db.prepare(`SELECT * FROM trials WHERE experiment_id = ? ORDER BY idx`).all(experimentId) as Row[]).map(trialRow);
  }

  trialsIn(states: readonly JobState[]): TrialRow[] {
    return (this.db.prepare(`SELECT * FROM trials WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY id`).all(...states) as Row[]).map(trialRow);
  }

  /** @throws {NotFoundError} */
  trial(id: number): TrialRow {
    const row = this.db.prepare(`SELECT * FROM trials WHERE id = ?`).get(id) as Row | undefined;
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
    return this.db.transaction(() => {
      const current = this.trial(id);
      if (current.state !== from) throw new StaleStateError(`trial ${id} is ${current.state}, not ${from}`);
      const sets: string[] = ['state = ?', 'updated_at = ?'];
      const values: unknown[] = [to, this.now()];
      const put = (column: string, value: unknown) => {
        sets.push(`${column} = ?`);
        values.push(value);
      };
      if (changes.stopTarget !== undefined) put('stop_target', changes.stopTarget);
      if (changes.attempt !== undefined) put('attempt', changes.attempt);
      if (changes.restarts !== undefined) put('restarts', changes.restarts);
      if (changes.queuedAt !== undefined) put('queued_at', changes.queuedAt);
      if (changes.placedAt !== undefined) put('placed_at', changes.placedAt);
      if (changes.placement !== undefined) put('placement_json', changes.placement === null ? null : JSON.stringify(changes.placement));
      if (changes.priority !== undefined) put('priority', changes.priority);
      this.db.prepare(`UPDATE trials SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
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
  }

  /** Replaces a trial's placement (the Slurm job id arrives after the trial was scheduled). */
  updatePlacement(id: number, placement: Placement): void {
    this.db.prepare(`UPDATE trials SET placement_json = ?, updated_at = ? WHERE id = ?`).run(JSON.stringify(placement), this.now(), id);
  }

  /** Records where a stopping (checkpointing or restarting) trial goes once its workers have exited. */
  setStopTarget(id: number, target: StopTarget, cause: string): void {
    this.db.transaction(() => {
      const trial = this.trial(id);
      this.db.prepare(`UPDATE trials SET stop_target = ?, updated_at = ? WHERE id = ?`).run(target, this.now(), id);
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
      this.db.prepare(`INSERT INTO metrics (ts, trial_id, step, kind, json) VALUES (?, ?, ?, ?, ?)`).run(ts, trialId, step, kind, JSON.stringify(values));
      if (kind === 'progress')
        this.db
          .prepare(`UPDATE trials SET last_step = MAX(last_step, ?), train_loss = ?, tokens_per_second = ?, updated_at = ? WHERE id = ?`)
          .run(step, values['loss'] ?? null, values['tokensPerSecond'] ?? null, ts, trialId);
      else if (kind === 'evaluation')
        this.db
          .prepare(`UPDATE trials SET valid_loss = ?, valid_perplexity = ?, updated_at = ? WHERE id = ?`)
          .run(values['loss'] ?? null, values['perplexity'] ?? null, ts, trialId);
    })();
  }

  recordCheckpoint(trialId: number, step: number, path: string): void {
    const ts = this.now();
    this.db.transaction(() => {
      this.db.prepare(`INSERT OR REPLACE INTO checkpoints (trial_id, step, path, ts) VALUES (?, ?, ?, ?)`).run(trialId, step, path, ts);
      this.db.prepare(`UPDATE trials SET last_checkpoint = ?, last_step = MAX(last_step, ?), updated_at = ? WHERE id = ?`).run(path, step, ts, trialId);
    })();
  }

  metrics(trialId: number, afterId = 0, limit = 10_000): MetricRow[] {
    return (this.db.prepare(`SELECT * FROM metrics WHERE trial_id = ? AND id > ? ORDER BY id LIMIT ?`).all(trialId, afterId, limit) as Row[]).map(metricRow);
  }

  /** Metric rows of every trial of an experiment after `afterId`. */
  experimentMetrics(experimentId: number, afterId = 0, limit = 10_000): MetricRow[] {
    return (
      this.db
        .prepare(`SELECT m.* FROM metrics m JOIN trials t ON t.id = m.trial_id WHERE t.experiment_id = ? AND m.id > ? ORDER BY m.id LIMIT ?`)
        .all(experimentId, afterId, limit) as Row[]
    ).map(metricRow);
  }

  putWorkers(rows: readonly Omit<WorkerRow, 'updatedAt'>[]): void {
    const ts = this.now();
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO workers (run, trial_id, rank, agent, host, port, slots_json, pid, state, exit_code, exit_signal, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const w of rows)
        insert.run(w.run, w.trialId, w.rank, w.agent, w.host, w.port, JSON.stringify(w.slots), w.pid, w.state, w.exitCode, w.exitSignal, ts);
    })();
  }

  workerStarted(run: string, rank: number, pid: number): void {
    this.db
      .prepare(`UPDATE workers SET state = 'running', pid = ?, updated_at = ? WHERE run = ? AND rank = ? AND state != 'exited'`)
      .run(pid, this.now(), run, rank);
  }

  workerExited(run: string, rank: number, code: number | null, signal: string | null): void {
    this.db
      .prepare(`UPDATE workers SET state = 'exited', exit_code = ?, exit_signal = ?, updated_at = ? WHERE run = ? AND rank = ?`)
      .run(code, signal, this.now(), run, rank);
  }

  workers(run: string): WorkerRow[] {
    return (this.db.prepare(`SELECT * FROM workers WHERE run = ? ORDER BY rank`).all(run) as Row[]).map(workerRow);
  }

  upsertAgent(agent: Omit<AgentRow, 'registeredAt' | 'lastSeen' | 'state'>): void {
    const ts = this.now();
    this.db
      .prepare(
        `INSERT INTO agents (id, host, slots, gpus_json, ports_json, state, last_seen, registered_at) VALUES (?, ?, ?, ?, ?, 'alive', ?, ?)
         ON CONFLICT(id) DO UPDATE SET host = excluded.host, slots = excluded.slots, gpus_json = excluded.gpus_json, ports_json = excluded.ports_json, state = 'alive', last_seen = excluded.last_seen`,
      )
      .run(agent.id, agent.host, agent.slots, JSON.stringify(agent.gpus), JSON.stringify(agent.ports), ts, ts);
  }

  setAgentState(id: string, state: AgentState, lastSeen?: number): void {
    if (lastSeen === undefined) this.db.prepare(`UPDATE agents SET state = ? WHERE id = ?`).run(state, id);
    else this.db.prepare(`UPDATE agents SET state = ?, last_seen = ? WHERE id = ?`).run(state, lastSeen, id);
  }

  agents(): AgentRow[] {
    return (this.db.prepare(`SELECT * FROM agents ORDER BY id`).all() as Row[]).map((r) => ({
      id: String(r['id']),
      host: String(r['host']),
      slots: Number(r['slots']),
      gpus: JSON.parse(String(r['gpus_json'])) as string[],
      ports: JSON.parse(String(r['ports_json'])) as [number, number],
      state: r['state'] as AgentState,
      lastSeen: Number(r['last_seen']),
      registeredAt: Number(r['registered_at']),
    }));
  }

  addEvent(event: { experimentId: number | null; trialId: number | null; kind: string; message: string; fromState?: JobState; toState?: JobState }): void {
    this.db
      .prepare(`INSERT INTO events (ts, experiment_id, trial_id, kind, from_state, to_state, message) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(this.now(), event.experimentId, event.trialId, event.kind, event.fromState ?? null, event.toState ?? null, event.message);
  }

  /** Events of one experiment (or of the whole cluster with experimentId null) after `afterId`. */
  events(experimentId: number | null, afterId = 0, limit = 10_000): EventRow[] {
    const rows = (
      experimentId === null
        ? this.db.prepare(`SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?`).all(afterId, limit)
        : this.db.prepare(`SELECT * FROM events WHERE experiment_id = ? AND id > ? ORDER BY id LIMIT ?`).all(experimentId, afterId, limit)
    ) as Row[];
    return rows.map((r) => ({
      id: Number(r['id']),
      ts: Number(r['ts']),
      experimentId: r['experiment_id'] === null ? null : Number(r['experiment_id']),
      trialId: r['trial_id'] === null ? null : Number(r['trial_id']),
      kind: String(r['kind']),
      fromState: (r['from_state'] as JobState | null) ?? null,
      toState: (r['to_state'] as JobState | null) ?? null,
      message: String(r['message']),
    }));
  }

  addLogs(experimentId: number, trialId: number, rank: number, lines: readonly string[]): void {
    const ts = this.now();
    const insert = this.db.prepare(`INSERT INTO logs (ts, experiment_id, trial_id, rank, line) VALUES (?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const line of lines) insert.run(ts, experimentId, trialId, rank, line);
    })();
  }

  logs(experimentId: number, afterId = 0, limit = 10_000): LogRow[] {
    return (this.db.prepare(`SELECT * FROM logs WHERE experiment_id = ? AND id > ? ORDER BY id LIMIT ?`).all(experimentId, afterId, limit) as Row[]).map(
      (r) => ({
        id: Number(r['id']),
        ts: Number(r['ts']),
        trialId: Number(r['trial_id']),
        rank: Number(r['rank']),
        line: String(r['line']),
      }),
    );
  }

  private refreshExperiment(id: number): void {
    const states = (this.db.prepare(`SELECT state FROM trials WHERE experiment_id = ?`).all(id) as { state: JobState }[]).map((r) => r.state);
    this.db.prepare(`UPDATE experiments SET state = ?, updated_at = ? WHERE id = ?`).run(experimentState(states), this.now(), id);
  }
}
