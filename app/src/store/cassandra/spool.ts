import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UnavailableError } from '../../errors.js';
import type { PredictionRecord } from '../prediction-store.js';
import { decodeSpooled, encodeSpooled } from './spool-codec.js';

export interface SpooledEntry {
  readonly record: PredictionRecord;
  /** Bumped by every change; delivery removes an entry only if it is still the version it sent. */
  readonly version: number;
}

interface Pending {
  readonly record: PredictionRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The durable outbox of predictions Cassandra has not taken yet: SQLite in WAL mode with
 * synchronous=FULL, so an appended record survives a crash of the process (and of the machine).
 * Appends made in the same event-loop turn share one transaction and one fsync (group commit),
 * which keeps an outage from capping throughput at the disk's fsync rate. Bounded: past
 * `maxRecords`, append rejects with UnavailableError and the caller answers 503.
 */
export class Spool {
  private readonly db: Database.Database;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private committed: number;

  private constructor(db: Database.Database, private readonly maxRecords: number) {
    this.db = db;
    this.committed = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
  }

  static open(dir: string, maxRecords: number): Spool {
    fs.mkdirSync(dir, { recursive: true });
    const db = new Database(path.join(dir, 'spool.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      id TEXT PRIMARY KEY,
      payload TEXT NOT NULL,
      version INTEGER NOT NULL DEFAULT 1,
      spooled_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    return new Spool(db, maxRecords);
  }

  /** Records in the spool, including appends waiting for their commit. */
  get size(): number {
    return this.committed + this.pending.length;
  }

  /** True when the next append would be refused. */
  get isFull(): boolean {
    return this.size >= this.maxRecords;
  }

  /** Resolves once the record is committed to disk; rejects with UnavailableError when full. */
  append(record: PredictionRecord): Promise<void> {
    if (this.isFull) {
      return Promise.reject(new UnavailableError(`prediction spool is full (${this.maxRecords} records); try again later`));
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    // A record appended twice (same id) is already safe: keep the first copy.
    const insert = this.db.prepare('INSERT OR IGNORE INTO outbox (id, payload, spooled_at) VALUES (?, ?, ?)');
    try {
      this.committed += this.db.transaction(() =>
        batch.reduce((added, item) => added + insert.run(item.record.id, encodeSpooled(item.record), Date.now()).changes, 0),
      )();
      for (const item of batch) item.resolve();
    } catch (error) {
      for (const item of batch) item.reject(new UnavailableError('prediction spool cannot write to disk', { cause: error }));
    }
  }

  get(id: string): PredictionRecord | null {
    const row = this.db.prepare('SELECT payload FROM outbox WHERE id = ?').get(id) as { payload: string } | undefined;
    return row === undefined ? null : decodeSpooled(row.payload);
  }

  /** Sets feedback on a spooled record (and bumps its version); null when the id is not spooled. */
  updateFeedback(id: string, label: number, at: Date): PredictionRecord | null {
    const record = this.get(id);
    if (record === null) return null;
    const updated: PredictionRecord = { ...record, feedbackLabel: label, feedbackAt: at };
    const changes = this.db.prepare('UPDATE outbox SET payload = ?, version = version + 1 WHERE id = ?').run(encodeSpooled(updated), id).changes;
    return changes > 0 ? updated : null;
  }

  /** Newest first, ids strictly before `beforeId` when given. */
  listNewest(beforeId: string | undefined, limit: number): PredictionRecord[] {
    const rows = (beforeId === undefined
      ? this.db.prepare('SELECT payload FROM outbox ORDER BY id DESC LIMIT ?').all(limit)
      : this.db.prepare('SELECT payload FROM outbox WHERE id < ? ORDER BY id DESC LIMIT ?').all(beforeId, limit)) as { payload: string }[];
    return rows.map((row) => decodeSpooled(row.payload));
  }

  /** The oldest entries, for delivery. */
  takeOldest(limit: number): SpooledEntry[] {
    const rows = this.db.prepare('SELECT payload, version FROM outbox ORDER BY id ASC LIMIT ?').all(limit) as { payload: string; version: number }[];
    return rows.map((row) => ({ record: decodeSpooled(row.payload), version: row.version }));
  }

  /** Removes delivered entries whose version did not change meanwhile; returns how many went. */
  removeDelivered(entries: readonly SpooledEntry[]): number {
    const remove = this.db.prepare('DELETE FROM outbox WHERE id = ? AND version = ?');
    const removed = this.db.transaction(() => entries.reduce((n, e) => n + remove.run(e.record.id, e.version).changes, 0))();
    this.committed -= removed;
    return removed;
  }

  close(): void {
    if (this.pending.length > 0) this.flush();
    this.db.close();
  }
}
