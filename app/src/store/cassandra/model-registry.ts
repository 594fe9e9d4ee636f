import cassandra from 'cassandra-driver';
import { assembleFile, checkPublishable, checkSameVersion, checkServingChange, compareNewestFirst, splitChunks } from '../../models/model-files.js';
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
} from '../../models/model-registry.js';
import type { CassandraClient } from './connect.js';

const { consistencies } = cassandra.types;
/** The one partition of versions, serving state and decisions (tens of rows, read whole). */
const SCOPE = 'all';
/** Chunk writes in flight at once: a 4.4 MB file is 17 chunks; the driver's pool takes this easily. */
const CHUNK_WRITES_IN_FLIGHT = 4;
/** Tries of a lightweight transaction whose outcome stayed unknown (contention, a slow replica). */
const LWT_ATTEMPTS = 3;

/**
 * The coordinator (write timeout, e.g. Paxos contention) or the driver timed out: the LWT may
 * or may not have applied, and only a SERIAL read can tell.
 */
function outcomeUnknown(error: unknown): boolean {
  const { errors, types } = cassandra;
  return (error instanceof errors.ResponseError && error.code === types.responseErrorCodes.writeTimeout) || error instanceof errors.OperationTimedOutError;
}

/**
 * The row is the one this writer proposed. Racing writers often propose the very same change
 * (replicas seeding together, two promoters of one version), so the content alone cannot tell
 * whose write won: the time each writer stamps on its proposal, to the millisecond, does.
 */
function isOurWrite(state: ServingState, next: Omit<ServingState, 'revision' | 'updatedAt'>, updatedAt: Date): boolean {
  return (
    state.updatedAt.getTime() === updatedAt.getTime() &&
    state.active === next.active &&
    state.reason === next.reason &&
    JSON.stringify(state.canary) === JSON.stringify(next.canary)
  );
}

/**
 * The registry in the app's keyspace (migration 5, schema.ts). Always LOCAL_QUORUM, whatever
 * CASSANDRA_CONSISTENCY says for predictions: a version or a serving change that one replica
 * lost would make replicas disagree on what serves. The card row and the serving row are
 * written by lightweight transactions at SERIAL (one winner among racing publishers and
 * promoters, across datacenters); their commit is LOCAL_QUORUM, so a LOCAL_QUORUM read sees it.
 * Shares the prediction store's client (one connection pool per process): close() releases
 * nothing, the store's close() shuts the client down.
 */
export class CassandraModelRegistry implements ModelRegistry {
  private readonly read = { prepare: true, isIdempotent: true, consistency: consistencies.localQuorum };
  private readonly write = { prepare: true, isIdempotent: true, consistency: consistencies.localQuorum };
  private readonly lwt = { prepare: true, consistency: consistencies.localQuorum, serialConsistency: consistencies.serial };
  private closed = false;

  constructor(private readonly client: CassandraClient, private readonly ks: string) {}

  private open(): CassandraClient {
    if (this.closed) throw new ModelRegistryError('the model registry is closed');
    return this.client;
  }

  /** Every row of a query, page by page. */
  private async allRows(query: string, params: unknown[], pageRows = 1_000): Promise<cassandra.types.Row[]> {
    const rows: cassandra.types.Row[] = [];
    let pageState: string | undefined;
    do {
      const result = await this.open().execute(query, params, { ...this.read, fetchSize: pageRows, pageState });
      rows.push(...result.rows);
      pageState = result.pageState ?? undefined;
    } while (pageState !== undefined);
    return rows;
  }

  async publish(card: ModelVersionCard, files: ModelFiles): Promise<boolean> {
    checkPublishable(card, files);
    const existing = await this.readCard(card.version, consistencies.localQuorum);
    if (existing !== null) {
      checkSameVersion(existing, card);
      return false;
    }
    // Chunks first, the card last: a reader that finds the card finds every chunk it names.
    const insert = `INSERT INTO ${this.ks}.model_chunks (version, file, sha256, seq, data) VALUES (?, ?, ?, ?, ?)`;
    const writes = [...files].flatMap(([name, bytes]) =>
      splitChunks(bytes).map((chunk, seq) => [card.version, name, card.files[name], seq, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)]),
    );
    for (let at = 0; at < writes.length; at += CHUNK_WRITES_IN_FLIGHT) {
      await Promise.all(writes.slice(at, at + CHUNK_WRITES_IN_FLIGHT).map((params) => this.open().execute(insert, params, this.write)));
    }
    const insertCard = `INSERT INTO ${this.ks}.model_versions (scope, version, card, published_at) VALUES (?, ?, ?, ?) IF NOT EXISTS`;
    // This publisher's mark on its row: replicas seeding together publish the very same card.
    const publishedAt = new Date();
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await this.open().execute(insertCard, [SCOPE, card.version, JSON.stringify(card), publishedAt], this.lwt);
        if (result.wasApplied()) return true;
        // Another publisher got there in the meantime: fine when it is the very same model.
        checkSameVersion(JSON.parse(String(result.first().get('card'))) as ModelVersionCard, card);
        return false;
      } catch (error) {
        if (!outcomeUnknown(error) || attempt >= LWT_ATTEMPTS) throw error;
        const stored = await this.readCardRow(card.version, consistencies.serial);
        if (stored !== null) {
          checkSameVersion(stored.card, card);
          return stored.publishedAt?.getTime() === publishedAt.getTime(); // stored either way; by us only if our mark is on it
        }
      }
    }
  }

  private async readCard(version: string, consistency: number): Promise<ModelVersionCard | null> {
    return (await this.readCardRow(version, consistency))?.card ?? null;
  }

  private async readCardRow(version: string, consistency: number): Promise<{ card: ModelVersionCard; publishedAt: Date | null } | null> {
    const select = `SELECT card, published_at FROM ${this.ks}.model_versions WHERE scope = ? AND version = ?`;
    const row = (await this.open().execute(select, [SCOPE, version], { ...this.read, consistency })).first();
    return row === null ? null : { card: JSON.parse(String(row.get('card'))) as ModelVersionCard, publishedAt: row.get('published_at') as Date | null };
  }

  async list(): Promise<ModelVersionCard[]> {
    const rows = await this.allRows(`SELECT card FROM ${this.ks}.model_versions WHERE scope = ?`, [SCOPE]);
    return rows.map((row) => JSON.parse(String(row.get('card'))) as ModelVersionCard).sort(compareNewestFirst);
  }

  get(version: string): Promise<ModelVersionCard | null> {
    return this.readCard(version, consistencies.localQuorum);
  }

  async files(version: string): Promise<ModelFiles> {
    const card = await this.get(version);
    if (card === null) throw new ModelNotFoundError(`no model version ${version} in the registry`);
    const select = `SELECT data FROM ${this.ks}.model_chunks WHERE version = ? AND file = ? AND sha256 = ?`;
    const files = new Map<string, Uint8Array>();
    for (const [name, sha256] of Object.entries(card.files)) {
      // Paged two chunks (512 KiB) at a time: a whole file in one response would be megabytes.
      const rows = await this.allRows(select, [version, name, sha256], 2);
      files.set(name, assembleFile(card, name, rows.map((row) => row.get('data') as Buffer)));
    }
    return files;
  }

  serving(): Promise<ServingState | null> {
    return this.readServing(consistencies.localQuorum);
  }

  private async readServing(consistency: number): Promise<ServingState | null> {
    const result = await this.open().execute(`SELECT * FROM ${this.ks}.model_serving WHERE scope = ?`, [SCOPE], { ...this.read, consistency });
    const row = result.first();
    if (row === null) return null;
    const canaryVersion = row.get('canary_version') as string | null;
    const canaryWeight = row.get('canary_weight') as number | null;
    return {
      active: String(row.get('active')),
      canary: canaryVersion === null || canaryWeight === null ? null : { version: canaryVersion, weight: canaryWeight },
      revision: Number(row.get('revision')),
      updatedAt: row.get('updated_at') as Date,
      reason: String(row.get('reason')),
    };
  }

  async setServing(next: Omit<ServingState, 'revision' | 'updatedAt'>, expectedRevision: number): Promise<boolean> {
    checkServingChange(next.active, next.canary);
    for (const version of [next.active, ...(next.canary === null ? [] : [next.canary.version])]) {
      if ((await this.get(version)) === null) throw new ModelNotFoundError(`cannot serve ${version}: it was never published`);
    }
    const revision = cassandra.types.Long.fromNumber(expectedRevision + 1);
    // Null canary columns are written as nulls (tombstones in one small row): the row must not keep an old canary.
    const updatedAt = new Date();
    const values = [next.active, next.canary?.version ?? null, next.canary?.weight ?? null, revision, updatedAt, next.reason];
    const [query, params] =
      expectedRevision === 0
        ? [`INSERT INTO ${this.ks}.model_serving (active, canary_version, canary_weight, revision, updated_at, reason, scope) VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`, [...values, SCOPE]]
        : [
            `UPDATE ${this.ks}.model_serving SET active = ?, canary_version = ?, canary_weight = ?, revision = ?, updated_at = ?, reason = ? WHERE scope = ? IF revision = ?`,
            [...values, SCOPE, cassandra.types.Long.fromNumber(expectedRevision)],
          ];
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.open().execute(query, params, this.lwt)).wasApplied();
      } catch (error) {
        if (!outcomeUnknown(error) || attempt >= LWT_ATTEMPTS) throw error;
        const now = await this.readServing(consistencies.serial);
        if (now !== null && now.revision === expectedRevision + 1 && isOurWrite(now, next, updatedAt)) return true;
        if ((now?.revision ?? 0) !== expectedRevision) return false;
        // Nothing applied yet: the condition still holds, so trying again is safe.
      }
    }
  }

  async recordDecision(decision: ModelDecision): Promise<void> {
    // The id is made here, once: a retried INSERT writes the same row again, not a second one.
    const id = cassandra.types.TimeUuid.fromDate(decision.at);
    await this.open().execute(
      `INSERT INTO ${this.ks}.model_decisions (scope, at, id, version, kind, reason, figures) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [SCOPE, decision.at, id, decision.version, decision.kind, decision.reason, JSON.stringify(decision.figures)],
      this.write,
    );
  }

  async decisions(version?: string): Promise<ModelDecision[]> {
    const rows = await this.allRows(`SELECT at, version, kind, reason, figures FROM ${this.ks}.model_decisions WHERE scope = ?`, [SCOPE]);
    // One partition of a few hundred rows, newest first on disk: filtering here beats a second table.
    return rows
      .map((row) => ({
        at: row.get('at') as Date,
        version: String(row.get('version')),
        kind: String(row.get('kind')) as DecisionKind,
        reason: String(row.get('reason')),
        figures: JSON.parse(String(row.get('figures'))) as ModelDecision['figures'],
      }))
      .filter((decision) => version === undefined || decision.version === version);
  }

  async reportLive(stats: LiveStats): Promise<void> {
    await this.open().execute(
      `INSERT INTO ${this.ks}.model_live_stats (version, at, replica, predictions, failures, p50_ms, p99_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [stats.version, stats.at, stats.replica, stats.predictions, stats.failures, stats.p50Ms, stats.p99Ms],
      this.write,
    );
  }

  async liveStats(version: string, since: Date): Promise<LiveStats[]> {
    const rows = await this.allRows(
      `SELECT version, at, replica, predictions, failures, p50_ms, p99_ms FROM ${this.ks}.model_live_stats WHERE version = ? AND at >= ?`,
      [version, since],
    );
    return rows.map((row) => ({
      replica: String(row.get('replica')),
      version: String(row.get('version')),
      at: row.get('at') as Date,
      predictions: row.get('predictions') as number,
      failures: row.get('failures') as number,
      p50Ms: row.get('p50_ms') as number,
      p99Ms: row.get('p99_ms') as number,
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
