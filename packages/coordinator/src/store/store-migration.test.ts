import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema-sql.js';
import { Store } from './store.js';
import { StoreOpenError } from './store-errors.js';

const dir = mkdtempSync(join(tmpdir(), 'orquesta-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file as a version-1 coordinator left it: no goodput, rank-speed, min-workers, launcher, submitter or actor columns. */
function versionOneFile(name: string): string {
  const file = join(dir, name);
  const db = new Database(file);
  db.exec(
    SCHEMA_SQL.replace('  goodput_json TEXT,\n', '')
      .replace('  rank_speeds_json TEXT,\n', '')
      .replace('  min_workers INTEGER,\n', '')
      .replace("  launcher TEXT NOT NULL DEFAULT 'agents',\n", '')
      .replace(',\n  submitter TEXT\n', '\n')
      .replace(',\n  submitter TEXT\n', '\n')
      .replace(',\n  actor TEXT\n', '\n')
      .replace(/CREATE TABLE IF NOT EXISTS quotas[^;]*;/, ''),
  );
  db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', '1')`).run();
  db.prepare(`INSERT INTO experiments (name, spec_yaml, state, priority, created_at, updated_at) VALUES ('old', 'name: old', 'running', 50, 1, 1)`).run();
  db.prepare(
    `INSERT INTO trials (experiment_id, idx, overrides_json, spec_json, state, max_restarts, priority, preemptible, workers, slots_per_worker, queued_at, checkpoint_dir, created_at, updated_at)
     VALUES (1, 0, '{}', '{"resources":{"min_workers":1,"launcher":"slurm"}}', 'running', 3, 50, 1, 2, 1, 1, 'runs/old', 1, 1)`,
  ).run();
  db.close();
  return file;
}

describe('Store schema versions', () => {
  it('migrates a version-1 file in place, keeping its rows', () => {
    const store = new Store(versionOneFile('v1.db'));
    const [trial] = store.trials(1);
    // The scheduler's columns are filled from the spec.
    expect(trial).toMatchObject({ state: 'running', goodputJson: null, rankSpeeds: null, minWorkers: 1, launcher: 'slurm' });
    store.setGoodput(trial!.id, '{"v":1}');
    store.setRankSpeeds(trial!.id, { '0': 1, '1': 0.5 });
    expect(store.trial(trial!.id)).toMatchObject({ goodputJson: '{"v":1}', rankSpeeds: { '0': 1, '1': 0.5 } });
    store.close();
    const db = new Database(join(dir, 'v1.db'));
    expect(db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get()).toEqual({ value: String(SCHEMA_VERSION) });
    db.close();
  });

  it("gives a version-5 file's trials their experiment's submitter, so quotas count them", () => {
    const file = join(dir, 'v5.db');
    const db = new Database(file);
    db.exec(
      SCHEMA_SQL.replace(
        /,\n  submitter TEXT\n\);\nCREATE INDEX IF NOT EXISTS trials_by_experiment/,
        '\n);\nCREATE INDEX IF NOT EXISTS trials_by_experiment',
      ).replace(/CREATE TABLE IF NOT EXISTS quotas[^;]*;/, ''),
    );
    db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', '5')`).run();
    db.prepare(
      `INSERT INTO experiments (name, spec_yaml, state, priority, created_at, updated_at, submitter) VALUES ('x', 'name: x', 'queued', 50, 1, 1, 'alice')`,
    ).run();
    db.prepare(
      `INSERT INTO trials (experiment_id, idx, overrides_json, spec_json, state, max_restarts, priority, preemptible, workers, slots_per_worker, queued_at, checkpoint_dir, created_at, updated_at)
       VALUES (1, 0, '{}', '{}', 'queued', 3, 50, 1, 1, 1, 1, 'runs/x', 1, 1)`,
    ).run();
    db.close();
    const store = new Store(file);
    expect(store.trials(1)[0]?.submitter).toBe('alice');
    expect(store.accounts.quotas().size).toBe(0);
    store.close();
  });

  it('refuses a file of a newer version', () => {
    const file = versionOneFile('v9.db');
    const db = new Database(file);
    db.prepare(`UPDATE meta SET value = '9' WHERE key = 'schema_version'`).run();
    db.close();
    expect(() => new Store(file)).toThrow(StoreOpenError);
    expect(() => new Store(file)).toThrow(new RegExp(`schema version 9; this coordinator reads version ${SCHEMA_VERSION}`));
  });
});
