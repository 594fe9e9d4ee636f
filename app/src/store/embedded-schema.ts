import type Database from 'better-sqlite3';
import { createCursorCodec } from './history-page.js';
import { PREDICTION_SOURCES, type PredictionRecord, type PredictionSource } from './prediction-store.js';

/**
 * Schema version 1 (embedded-database.ts migrates the file): one row per prediction, keyed by its UUIDv7 (time-ordered, so the primary key is also
 * the history order). Times are Unix milliseconds; probabilities a JSON array (doubles
 * survive JSON exactly); the 28x28 input the raw 784 bytes.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS predictions (
  id             TEXT    PRIMARY KEY NOT NULL,
  created_at_ms  INTEGER NOT NULL,
  digit          INTEGER NOT NULL CHECK (digit BETWEEN 0 AND 9),
  confidence     REAL    NOT NULL,
  probabilities  TEXT    NOT NULL,
  model_version  TEXT    NOT NULL,
  input          BLOB    NOT NULL,
  source         TEXT    NOT NULL,
  latency_ms     REAL    NOT NULL,
  feedback_label INTEGER CHECK (feedback_label BETWEEN 0 AND 9),
  feedback_at_ms INTEGER
) WITHOUT ROWID;
`;

/** A correction: the columns of a Correction, from a row whose feedback_label is set. */
export interface CorrectionRow {
  readonly id: string;
  readonly created_at_ms: number;
  readonly input: Buffer;
  readonly digit: number;
  readonly feedback_label: number;
  readonly model_version: string;
}

/** Oldest first; the partial index predictions_corrected (schema v2) holds exactly these ids. */
export const SELECT_CORRECTIONS =
  'SELECT id, created_at_ms, input, digit, feedback_label, model_version FROM predictions WHERE feedback_label IS NOT NULL ORDER BY id';

export const SELECT_COLUMNS =
  'id, created_at_ms, digit, confidence, probabilities, model_version, input, source, latency_ms, feedback_label, feedback_at_ms';

export interface PredictionRow {
  readonly id: string;
  readonly created_at_ms: number;
  readonly digit: number;
  readonly confidence: number;
  readonly probabilities: string;
  readonly model_version: string;
  readonly input: Buffer;
  readonly source: string;
  readonly latency_ms: number;
  readonly feedback_label: number | null;
  readonly feedback_at_ms: number | null;
}

function toSource(value: string): PredictionSource {
  // A row written by a newer build with a source we do not know still reads as a record.
  return (PREDICTION_SOURCES as readonly string[]).includes(value) ? (value as PredictionSource) : 'api';
}

/** Row -> plain record (fresh Uint8Array, not a view of SQLite's buffer). */
export function rowToRecord(row: PredictionRow): PredictionRecord {
  return {
    id: row.id,
    createdAt: new Date(row.created_at_ms),
    digit: row.digit,
    confidence: row.confidence,
    probabilities: JSON.parse(row.probabilities) as number[],
    modelVersion: row.model_version,
    input: new Uint8Array(row.input),
    source: toSource(row.source),
    latencyMs: row.latency_ms,
    feedbackLabel: row.feedback_label,
    feedbackAt: row.feedback_at_ms === null ? null : new Date(row.feedback_at_ms),
  };
}

/** Returns a function that inserts records in one transaction (one fsync for the lot). */
export function createInserter(db: Database.Database): (records: readonly PredictionRecord[]) => void {
  const insert = db.prepare(
    `INSERT INTO predictions (${SELECT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAll = db.transaction((batch: readonly PredictionRecord[]) => {
    for (const r of batch) {
      insert.run(
        r.id,
        r.createdAt.getTime(),
        r.digit,
        r.confidence,
        JSON.stringify(r.probabilities),
        r.modelVersion,
        Buffer.from(r.input.buffer, r.input.byteOffset, r.input.byteLength),
        r.source,
        r.latencyMs,
        r.feedbackLabel,
        r.feedbackAt === null ? null : r.feedbackAt.getTime(),
      );
    }
  });
  return (records) => {
    insertAll(records);
  };
}

/** The embedded store's history cursors (prefix e1: embedded, format 1). */
export const { encode: encodeCursor, decode: decodeCursor } = createCursorCodec('e1:');
