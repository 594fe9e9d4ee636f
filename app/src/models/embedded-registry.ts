import type Database from 'better-sqlite3';
import { openEmbeddedDatabase } from '../store/embedded-database.js';
import { assembleFile, checkPublishable, checkSameVersion, checkServingChange, compareNewestFirst, LIVE_STATS_RETENTION_MS, splitChunks } from './model-files.js';
import {
  ModelNotFoundError,
  ModelRegistryError,
  type DecisionKind,
  type LiveStats,
  type ModelDecision,
  type ModelFiles,
  type ModelRegistry,
  type ModelVersionCard,
  type ServingState,
} from './model-registry.js';

interface ServingRow {
  readonly active: string;
  readonly canary_version: string | null;
  readonly canary_weight: number | null;
  readonly revision: number;
  readonly updated_at_ms: number;
  readonly reason: string;
}

interface DecisionRow {
  readonly at_ms: number;
  readonly version: string;
  readonly kind: string;
  readonly reason: string;
  readonly figures: string;
}

interface LiveRow {
  readonly replica: string;
  readonly version: string;
  readonly at_ms: number;
  readonly predictions: number;
  readonly failures: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
}

function toServing(row: ServingRow): ServingState {
  const canary = row.canary_version === null || row.canary_weight === null ? null : { version: row.canary_version, weight: row.canary_weight };
  return { active: row.active, canary, revision: row.revision, updatedAt: new Date(row.updated_at_ms), reason: row.reason };
}

/**
 * The registry in DATA_DIR's SQLite file, beside the predictions (schema v2,
 * store/embedded-database.ts). Its own connection: the server and a CLI command in another
 * process (retrain, promote) share the file; WAL lets readers go on while one writes, and every
 * change that reads before it writes (publish, setServing) is an IMMEDIATE transaction, so the
 * write lock is taken before the read and two processes cannot both pass the same check.
 */
export class EmbeddedModelRegistry implements ModelRegistry {
  private closed = false;

  constructor(private readonly db: Database.Database) {}

  private handle(): Database.Database {
    if (this.closed) throw new ModelRegistryError('the model registry is closed');
    return this.db;
  }

  async publish(card: ModelVersionCard, files: ModelFiles): Promise<boolean> {
    checkPublishable(card, files);
    const db = this.handle();
    const insertChunk = db.prepare('INSERT INTO model_chunks (version, file, seq, data) VALUES (?, ?, ?, ?)');
    return db.transaction((): boolean => {
      const existing = this.readCard(card.version);
      if (existing !== null) {
        checkSameVersion(existing, card);
        return false;
      }
      for (const [name, bytes] of files) {
        splitChunks(bytes).forEach((chunk, seq) => insertChunk.run(card.version, name, seq, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      }
      db.prepare('INSERT INTO model_versions (version, card, published_ms) VALUES (?, ?, ?)').run(card.version, JSON.stringify(card), Date.now());
      return true;
    }).immediate();
  }

  private readCard(version: string): ModelVersionCard | null {
    const row = this.handle().prepare('SELECT card FROM model_versions WHERE version = ?').get(version) as { card: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.card) as ModelVersionCard);
  }

  async list(): Promise<ModelVersionCard[]> {
    const rows = this.handle().prepare('SELECT card FROM model_versions').all() as { card: string }[];
    return rows.map((row) => JSON.parse(row.card) as ModelVersionCard).sort(compareNewestFirst);
  }

  async get(version: string): Promise<ModelVersionCard | null> {
    return this.readCard(version);
  }

  async files(version: string): Promise<ModelFiles> {
    const db = this.handle();
    // One read transaction: the card and its chunks from the same snapshot.
    return db.transaction(() => {
      const card = this.readCard(version);
      if (card === null) throw new ModelNotFoundError(`no model version ${version} in the registry`);
      const select = db.prepare('SELECT data FROM model_chunks WHERE version = ? AND file = ? ORDER BY seq');
      const files = new Map<string, Uint8Array>();
      for (const name of Object.keys(card.files)) {
        const chunks = (select.all(version, name) as { data: Buffer }[]).map((row) => row.data);
        files.set(name, assembleFile(card, name, chunks));
      }
      return files;
    })();
  }

  async serving(): Promise<ServingState | null> {
    const row = this.handle().prepare("SELECT * FROM model_serving WHERE scope = 'all'").get() as ServingRow | undefined;
    return row === undefined ? null : toServing(row);
  }

  async setServing(next: Omit<ServingState, 'revision' | 'updatedAt'>, expectedRevision: number): Promise<boolean> {
    checkServingChange(next.active, next.canary);
    const db = this.handle();
    return db.transaction((): boolean => {
      for (const version of [next.active, ...(next.canary === null ? [] : [next.canary.version])]) {
        if (this.readCard(version) === null) throw new ModelNotFoundError(`cannot serve ${version}: it was never published`);
      }
      const current = db.prepare("SELECT revision FROM model_serving WHERE scope = 'all'").get() as { revision: number } | undefined;
      if ((current?.revision ?? 0) !== expectedRevision) return false;
      db.prepare(
        `INSERT INTO model_serving (scope, active, canary_version, canary_weight, revision, updated_at_ms, reason) VALUES ('all', ?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope) DO UPDATE SET active = excluded.active, canary_version = excluded.canary_version, canary_weight = excluded.canary_weight,
           revision = excluded.revision, updated_at_ms = excluded.updated_at_ms, reason = excluded.reason`,
      ).run(next.active, next.canary?.version ?? null, next.canary?.weight ?? null, expectedRevision + 1, Date.now(), next.reason);
      return true;
    }).immediate();
  }

  async recordDecision(decision: ModelDecision): Promise<void> {
    this.handle()
      .prepare('INSERT INTO model_decisions (at_ms, version, kind, reason, figures) VALUES (?, ?, ?, ?, ?)')
      .run(decision.at.getTime(), decision.version, decision.kind, decision.reason, JSON.stringify(decision.figures));
  }

  async decisions(version?: string): Promise<ModelDecision[]> {
    const db = this.handle();
    const rows = (
      version === undefined
        ? db.prepare('SELECT * FROM model_decisions ORDER BY at_ms DESC, id DESC').all()
        : db.prepare('SELECT * FROM model_decisions WHERE version = ? ORDER BY at_ms DESC, id DESC').all(version)
    ) as DecisionRow[];
    return rows.map((row) => ({
      at: new Date(row.at_ms),
      version: row.version,
      kind: row.kind as DecisionKind,
      reason: row.reason,
      figures: JSON.parse(row.figures) as ModelDecision['figures'],
    }));
  }

  async reportLive(stats: LiveStats): Promise<void> {
    const db = this.handle();
    db.transaction(() => {
      db.prepare(
        'INSERT OR REPLACE INTO model_live_stats (version, at_ms, replica, predictions, failures, p50_ms, p99_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(stats.version, stats.at.getTime(), stats.replica, stats.predictions, stats.failures, stats.p50Ms, stats.p99Ms);
      // Cassandra expires these rows with a TTL; here each report trims its version's old ones.
      db.prepare('DELETE FROM model_live_stats WHERE version = ? AND at_ms < ?').run(stats.version, Date.now() - LIVE_STATS_RETENTION_MS);
    })();
  }

  async liveStats(version: string, since: Date): Promise<LiveStats[]> {
    const rows = this.handle()
      .prepare('SELECT * FROM model_live_stats WHERE version = ? AND at_ms >= ? ORDER BY at_ms, replica')
      .all(version, since.getTime()) as LiveRow[];
    return rows.map((row) => ({
      replica: row.replica,
      version: row.version,
      at: new Date(row.at_ms),
      predictions: row.predictions,
      failures: row.failures,
      p50Ms: row.p50_ms,
      p99Ms: row.p99_ms,
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

export interface EmbeddedRegistryOptions {
  /** DATA_DIR: the registry lives in the embedded store's SQLite file there. */
  readonly dataDir: string;
}

/**
 * Opens the registry in `dataDir`'s SQLite file (creating or migrating the file when needed).
 * Unlike the store's, this connection keeps SQLite's automatic checkpoints: its commits are
 * rare, and a CLI process holding only the registry must still fold what it wrote (a published
 * model is ~9 MB of WAL) back into the file.
 */
export async function openEmbeddedRegistry(options: EmbeddedRegistryOptions): Promise<EmbeddedModelRegistry> {
  return new EmbeddedModelRegistry(openEmbeddedDatabase({ dataDir: options.dataDir }).db);
}
