/**
 * Opens the coordinator's SQLite file (WAL, foreign keys) with the current schema: a new file gets it,
 * an older one is migrated one version per transaction, then the indexes are made (they may use
 * columns a migration adds).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { INDEXES_SQL, MIGRATIONS, SCHEMA_SQL, SCHEMA_VERSION } from './schema-sql.js';
import { StoreOpenError } from './store-errors.js';

/**
 * A second connection that only reads (another thread's: WAL lets it read while the writer writes):
 * the file must exist with this schema version, and nothing is written to it.
 * @throws {StoreOpenError}
 */
export function openReadOnly(file: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (cause) {
    throw new StoreOpenError(`cannot open the coordinator database ${file} to read: ${(cause as Error).message}`, { cause });
  }
  const version = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
  if (Number(version?.value) !== SCHEMA_VERSION) {
    db.close();
    throw new StoreOpenError(`${file} has schema version ${version?.value ?? 'none'}; this coordinator reads version ${SCHEMA_VERSION}`);
  }
  return db;
}

/** @throws {StoreOpenError} the file cannot be opened or has a newer or unknown schema version. */
export function openDatabase(file: string): Database.Database {
  let db: Database.Database;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA_SQL);
  } catch (cause) {
    throw new StoreOpenError(`cannot open the coordinator database ${file}: ${(cause as Error).message}`, { cause });
  }
  const version = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
  if (version === undefined) db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
  else if (Number(version.value) !== SCHEMA_VERSION) migrate(db, file, Number(version.value));
  db.exec(INDEXES_SQL);
  return db;
}

function migrate(db: Database.Database, file: string, from: number): void {
  for (let v = from; v < SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v];
    if (sql === undefined) break;
    db.transaction(() => {
      db.exec(sql);
      db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(v + 1));
    })();
    from = v + 1;
  }
  if (from !== SCHEMA_VERSION) throw new StoreOpenError(`${file} has schema version ${from}; this coordinator reads version ${SCHEMA_VERSION}`);
}
