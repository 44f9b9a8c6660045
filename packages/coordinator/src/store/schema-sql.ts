/** The coordinator's SQLite schema. Times are epoch milliseconds. Bump SCHEMA_VERSION with every change. */
export const SCHEMA_VERSION = 6;

/** ASHA's result of each trial at each rung (search/asha.ts): a search survives a coordinator restart. */
const RUNG_RESULTS_SQL = `
CREATE TABLE IF NOT EXISTS rung_results (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  trial_id INTEGER NOT NULL REFERENCES trials(id),
  rung INTEGER NOT NULL,
  step INTEGER NOT NULL,
  value REAL NOT NULL,
  verdict TEXT NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (trial_id, rung)
);
CREATE INDEX IF NOT EXISTS rung_results_by_experiment ON rung_results(experiment_id);`;

/** Named API tokens (auth/roles.ts): SHA-256 of each, its role; revoked ones stay, so names are never reused. */
const TOKENS_SQL = `
CREATE TABLE IF NOT EXISTS tokens (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);`;

/** Per-user quotas (scheduler/user-quotas.ts): null is no limit. */
const QUOTAS_SQL = `
CREATE TABLE IF NOT EXISTS quotas (
  user TEXT PRIMARY KEY,
  max_slots INTEGER,
  max_priority INTEGER,
  updated_at INTEGER NOT NULL
);`;

/** Statements that bring a database of version k (the key) to version k + 1. */
export const MIGRATIONS: Readonly<Record<number, string>> = {
  1: `ALTER TABLE trials ADD COLUMN goodput_json TEXT; ALTER TABLE trials ADD COLUMN rank_speeds_json TEXT;`,
  // The scheduler's fields of the spec as columns, so a pass never reads or parses spec_json.
  2: `ALTER TABLE trials ADD COLUMN min_workers INTEGER;
      ALTER TABLE trials ADD COLUMN launcher TEXT NOT NULL DEFAULT 'agents';
      UPDATE trials SET min_workers = json_extract(spec_json, '$.resources.min_workers'),
                        launcher = coalesce(json_extract(spec_json, '$.resources.launcher'), 'agents')
                    WHERE json_valid(spec_json);`,
  3: RUNG_RESULTS_SQL,
  // Users: who submitted each experiment, who made each audited call, the named tokens.
  4: `ALTER TABLE experiments ADD COLUMN submitter TEXT; ALTER TABLE events ADD COLUMN actor TEXT; ${TOKENS_SQL}`,
  // Quotas: each trial carries its submitter, so a scheduling pass counts a user's slots without a join.
  5: `ALTER TABLE trials ADD COLUMN submitter TEXT;
      UPDATE trials SET submitter = (SELECT submitter FROM experiments e WHERE e.id = trials.experiment_id);
      ${QUOTAS_SQL}`,
};

/** Indexes, created once the tables have their newest columns (after any migration). */
export const INDEXES_SQL = `
CREATE INDEX IF NOT EXISTS experiments_by_state ON experiments(state, id);
CREATE INDEX IF NOT EXISTS workers_by_agent ON workers(agent, state);
`;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  spec_yaml TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  submitter TEXT
);
CREATE TABLE IF NOT EXISTS trials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  idx INTEGER NOT NULL,
  overrides_json TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  state TEXT NOT NULL,
  stop_target TEXT,
  attempt INTEGER NOT NULL DEFAULT 0,
  restarts INTEGER NOT NULL DEFAULT 0,
  max_restarts INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  preemptible INTEGER NOT NULL,
  workers INTEGER NOT NULL,
  slots_per_worker INTEGER NOT NULL,
  queued_at INTEGER NOT NULL,
  placed_at INTEGER,
  placement_json TEXT,
  checkpoint_dir TEXT NOT NULL,
  last_step INTEGER NOT NULL DEFAULT 0,
  last_checkpoint TEXT,
  train_loss REAL,
  valid_loss REAL,
  valid_perplexity REAL,
  tokens_per_second REAL,
  goodput_json TEXT,
  rank_speeds_json TEXT,
  min_workers INTEGER,
  launcher TEXT NOT NULL DEFAULT 'agents',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  submitter TEXT
);
CREATE INDEX IF NOT EXISTS trials_by_experiment ON trials(experiment_id);
CREATE INDEX IF NOT EXISTS trials_by_state ON trials(state);
CREATE TABLE IF NOT EXISTS workers (
  run TEXT NOT NULL,
  trial_id INTEGER NOT NULL REFERENCES trials(id),
  rank INTEGER NOT NULL,
  agent TEXT NOT NULL,
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  slots_json TEXT NOT NULL,
  pid INTEGER,
  state TEXT NOT NULL,
  exit_code INTEGER,
  exit_signal TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (run, rank)
);
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  slots INTEGER NOT NULL,
  gpus_json TEXT NOT NULL,
  ports_json TEXT NOT NULL,
  state TEXT NOT NULL,
  last_seen INTEGER NOT NULL,
  registered_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  experiment_id INTEGER,
  trial_id INTEGER,
  kind TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT,
  message TEXT NOT NULL,
  actor TEXT
);
CREATE INDEX IF NOT EXISTS events_by_experiment ON events(experiment_id, id);
CREATE TABLE IF NOT EXISTS metrics (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  trial_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  kind TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS metrics_by_trial ON metrics(trial_id, id);
CREATE TABLE IF NOT EXISTS checkpoints (
  trial_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  path TEXT NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (trial_id, step)
);
CREATE TABLE IF NOT EXISTS logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  experiment_id INTEGER NOT NULL,
  trial_id INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  line TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_by_experiment ON logs(experiment_id, id);
${RUNG_RESULTS_SQL}
${TOKENS_SQL}
${QUOTAS_SQL}`;
