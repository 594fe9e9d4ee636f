import cassandra from 'cassandra-driver';
import type { Correction, PredictionRecord } from '../prediction-store.js';
import type { CassandraClient } from './connect.js';
import { CorrectionsTable } from './corrections.js';
import { fromRow, hourOf, keyOfId, PREDICTION_COLUMNS, toInsertParams } from './layout.js';
import { HOURS_SCOPE } from './schema.js';

/** Hours kept in the "already registered in prediction_hours" memo. */
const KNOWN_HOURS_MAX = 48;
/**
 * Rows of one partition per batch statement (~1 KB each: 784 input bytes and ten doubles). A
 * single-partition batch is one mutation, which Cassandra applies like one write and exempts
 * from batch_size_warn/fail_threshold (those apply to batches of several mutations,
 * CASSANDRA-10876); 16 rows keep it well under any mutation or frame limit. Measured on the
 * 3-node bench: with groups of ~11 rows, 16 rows a batch and ids that keep a group in one shard
 * took the JVMs' CPU per prediction from 4.7 ms to 1.3 ms.
 */
export const MAX_ROWS_PER_BATCH = 16;

export interface PredictionTableOptions {
  readonly keyspace: string;
  readonly consistency: number;
  /** Driver-side bound on one request (the store adds its own, shorter, bound for user writes). */
  readonly requestTimeoutMs: number;
}

/**
 * The Cassandra I/O of one prediction: prepared statements only, every write idempotent (plain
 * INSERT/UPDATE of fixed values, no counters, no list appends), so the driver may retry it on
 * another host and the spool may deliver it twice.
 */
export class PredictionTable {
  private readonly knownHours = new Map<number, Promise<void>>();
  private readonly insert: string;
  private readonly insertHour: string;
  private readonly selectById: string;
  private readonly updateFeedbackCql: string;
  private readonly writeOptions: cassandra.QueryOptions;
  private readonly corrections: CorrectionsTable;

  constructor(private readonly client: CassandraClient, private readonly options: PredictionTableOptions) {
    const ks = options.keyspace;
    this.corrections = new CorrectionsTable(client, ks, options.consistency);
    this.insert = `INSERT INTO ${ks}.predictions (hour, shard, ${PREDICTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    this.insertHour = `INSERT INTO ${ks}.prediction_hours (scope, hour) VALUES (?, ?)`;
    this.selectById = `SELECT ${PREDICTION_COLUMNS} FROM ${ks}.predictions WHERE hour = ? AND shard = ? AND id = ?`;
    this.updateFeedbackCql = `UPDATE ${ks}.predictions SET feedback_label = ?, feedback_at = ? WHERE hour = ? AND shard = ? AND id = ?`;
    this.writeOptions = { prepare: true, isIdempotent: true, consistency: options.consistency, readTimeout: options.requestTimeoutMs };
  }

  /**
   * Writes the record and, once per hour, the hour's entry in the history index; and its
   * correction when it has one (a record corrected while it waited in the spool).
   */
  async write(record: PredictionRecord): Promise<void> {
    await Promise.all([
      this.registerHour(keyOfId(record.id).hour),
      this.client.execute(this.insert, toInsertParams(record), this.writeOptions),
      this.corrections.write(record),
    ]);
  }

  /**
   * Writes records recorded together: the rows of one partition (hour, shard) as one unlogged
   * batch, which Cassandra applies as one mutation (one commit-log entry, one message per
   * replica) instead of one per row; the partitions' batches in parallel, each routed to a
   * replica of its partition. Resolves once every row is written at the configured consistency.
   */
  async writeMany(records: readonly PredictionRecord[]): Promise<void> {
    const partitions = new Map<string, PredictionRecord[]>();
    for (const record of records) {
      const key = keyOfId(record.id);
      const name = `${key.hour.getTime()}/${key.shard}`;
      const rows = partitions.get(name);
      if (rows === undefined) partitions.set(name, [record]);
      else rows.push(record);
    }
    const writes: Promise<unknown>[] = [...new Set(records.map((r) => keyOfId(r.id).hour.getTime()))].map((hour) => this.registerHour(new Date(hour)));
    writes.push(...records.filter((r) => r.feedbackLabel !== null).map((r) => this.corrections.write(r)));
    for (const rows of partitions.values()) {
      for (let i = 0; i < rows.length; i += MAX_ROWS_PER_BATCH) {
        const chunk = rows.slice(i, i + MAX_ROWS_PER_BATCH);
        writes.push(
          chunk.length === 1
            ? this.client.execute(this.insert, toInsertParams(chunk[0]!), this.writeOptions)
            : this.client.batch(chunk.map((r) => ({ query: this.insert, params: toInsertParams(r) })), { ...this.writeOptions, logged: false }),
        );
      }
    }
    await Promise.all(writes);
  }

  async read(id: string): Promise<PredictionRecord | null> {
    const key = keyOfId(id);
    const result = await this.client.execute(this.selectById, [key.hour, key.shard, cassandra.types.Uuid.fromString(id)], {
      prepare: true,
      isIdempotent: true,
      consistency: this.options.consistency,
    });
    const row = result.first();
    return row === null ? null : fromRow(row);
  }

  /** Stores the feedback of `corrected` (a stored record with its new label) on its row and in the corrections table. */
  async setFeedback(corrected: PredictionRecord): Promise<void> {
    const key = keyOfId(corrected.id);
    const params = [corrected.feedbackLabel, corrected.feedbackAt, key.hour, key.shard, cassandra.types.Uuid.fromString(corrected.id)];
    await Promise.all([this.client.execute(this.updateFeedbackCql, params, this.writeOptions), this.corrections.write(corrected)]);
  }

  /** Every correction, oldest first. */
  readCorrections(): Promise<Correction[]> {
    return this.corrections.readAll();
  }

  private registerHour(hour: Date): Promise<void> {
    const key = hour.getTime();
    let pending = this.knownHours.get(key);
    if (pending === undefined) {
      pending = this.client.execute(this.insertHour, [HOURS_SCOPE, hourOf(hour)], this.writeOptions).then(() => undefined);
      // A failed registration is forgotten so the next write of that hour tries again.
      pending.catch(() => this.knownHours.delete(key));
      this.knownHours.set(key, pending);
      if (this.knownHours.size > KNOWN_HOURS_MAX) this.knownHours.delete(this.knownHours.keys().next().value!);
    }
    return pending;
  }
}
