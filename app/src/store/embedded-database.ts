import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_SQL } from './embedded-schema.js';

/**
 * The one SQLite file in DATA_DIR and its schema versions. The prediction store and the model
 * registry each open it (the server holds both; a CLI command may hold only the registry, in
 * another process): every opener applies the same migrations, under SQLite's write lock, so
 * two processes starting at once migrate the file once and never see half a schema.
 */

export const EMBEDDED_DB_FILE = 'predictions.sqlite';

interface EmbeddedMigration {
  readonly version: number;
  readonly sql: string;
}

/**
 * v2: the model registry (versions, chunked files, serving state, decisions, live stats) and
 * an index of corrected predictions. Chunk rows keep SQLite's rowid: blobs of 256 KiB are what
 * WITHOUT ROWID tables are documented to handle badly.
 */
const REGISTRY_SQL = `
CREATE INDEX IF NOT EXISTS predictions_corrected ON predictions (id) WHERE feedback_label IS NOT NULL;
CREATE TABLE IF NOT EXISTS model_versions (
  version       TEXT    PRIMARY KEY NOT NULL,
  card          TEXT    NOT NULL,
  published_ms  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS model_chunks (
  version TEXT    NOT NULL,
  file    TEXT    NOT NULL,
  seq     INTEGER NOT NULL,
  data    BLOB    NOT NULL,
  PRIMARY KEY (version, file, seq)
);
CREATE TABLE IF NOT EXISTS model_serving (
  scope          TEXT    PRIMARY KEY NOT NULL CHECK (scope = 'all'),
  active         TEXT    NOT NULL,
  canary_version TEXT,
  canary_weight  REAL,
  revision       INTEGER NOT NULL,
  updated_at_ms  INTEGER NOT NULL,
  reason         TEXT    NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS model_decisions (
  id       INTEGER PRIMARY KEY,
  at_ms    INTEGER NOT NULL,
  version  TEXT    NOT NULL,
  kind     TEXT    NOT NULL,
  reason   TEXT    NOT NULL,
  figures  TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS model_decisions_by_version ON model_decisions (version, at_ms);
CREATE TABLE IF NOT EXISTS model_live_stats (
  version     TEXT    NOT NULL,
  at_ms       INTEGER NOT NULL,
  replica     TEXT    NOT NULL,
  predictions INTEGER NOT NULL,
  failures    INTEGER NOT NULL,
  p50_ms      REAL    NOT NULL,
  p99_ms      REAL    NOT NULL,
  PRIMARY KEY (version, at_ms, replica)
) WITHOUT ROWID;
`;

const MIGRATIONS: readonly EmbeddedMigration[] = [
  { version: 1, sql: SCHEMA_SQL },
  { version: 2, sql: REGISTRY_SQL },
];

/** Bumped with every migration; a newer file refuses to open with an older build. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

export interface OpenEmbeddedDatabaseOptions {
  readonly dataDir: string;
  /** SQLite `synchronous` with WAL (see EmbeddedStoreOptions). @default 'NORMAL' */
  readonly synchronous?: 'NORMAL' | 'FULL';
}

/** Brings the file to SCHEMA_VERSION; every step is idempotent, and all of it one transaction. */
function migrate(db: Database.Database, file: string): void {
  const versionOf = (): number => db.pragma('user_version', { simple: true }) as number;
  if (versionOf() === SCHEMA_VERSION) return; // the common case: no write lock taken at all
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const version = versionOf();
    if (version > SCHEMA_VERSION) throw new Error(`${file} has schema version ${version}; this build knows up to ${SCHEMA_VERSION}`);
    for (const migration of MIGRATIONS) {
      if (migration.version > version) db.exec(migration.sql);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** Opens (creating when needed) DATA_DIR's SQLite file in WAL mode, migrated to SCHEMA_VERSION. */
export function openEmbeddedDatabase(options: OpenEmbeddedDatabaseOptions): { db: Database.Database; file: string } {
  mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, EMBEDDED_DB_FILE);
  const db = new Database(file);
  try {
    // Another process may hold the write lock for a moment (a publish of a model's chunks).
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    migrate(db, file);
  } catch (error) {
    db.close();
    throw error;
  }
  return { db, file };
}
