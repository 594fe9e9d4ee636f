import cassandra from 'cassandra-driver';
import type { Correction, PredictionRecord } from '../prediction-store.js';
import type { CassandraClient } from './connect.js';

/**
 * The corrections table (migration 4): a copy of every corrected prediction (input, answer,
 * label) in one partition, so the retrain reads all of them in one paged query instead of
 * scanning every hour's partitions of `predictions` for the few rows with a label. A few
 * thousand corrections of ~0.9 KB are a few MB: a partition Cassandra handles well. Written
 * beside the prediction's own feedback columns (never instead of them), by plain idempotent
 * INSERTs: a second correction of the same prediction overwrites the first.
 */

/** The one partition: every correction lives in it. */
export const CORRECTIONS_SCOPE = 'all';
/** Rows per page when reading them back (~0.9 KB each: ~450 KB a page). */
const PAGE_ROWS = 500;

export class CorrectionsTable {
  private readonly insertCql: string;
  private readonly selectCql: string;

  constructor(private readonly client: CassandraClient, keyspace: string, private readonly consistency: number) {
    this.insertCql = `INSERT INTO ${keyspace}.corrections (scope, id, created_at, input, digit, label, model_version, corrected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
    this.selectCql = `SELECT id, created_at, input, digit, label, model_version FROM ${keyspace}.corrections WHERE scope = ?`;
  }

  /** Stores the correction of a record whose feedback is set; a record without one is ignored. */
  async write(record: PredictionRecord): Promise<void> {
    if (record.feedbackLabel === null) return;
    const params = [
      CORRECTIONS_SCOPE,
      cassandra.types.Uuid.fromString(record.id),
      record.createdAt,
      Buffer.from(record.input),
      record.digit,
      record.feedbackLabel,
      record.modelVersion,
      record.feedbackAt ?? undefined,
    ];
    await this.client.execute(this.insertCql, params, { prepare: true, isIdempotent: true, consistency: this.consistency });
  }

  /** Every correction, oldest first (the clustering order: UUIDv7 ids sort by time). */
  async readAll(): Promise<Correction[]> {
    const corrections: Correction[] = [];
    let pageState: string | undefined;
    do {
      const result = await this.client.execute(this.selectCql, [CORRECTIONS_SCOPE], {
        prepare: true,
        isIdempotent: true,
        consistency: this.consistency,
        fetchSize: PAGE_ROWS,
        pageState,
      });
      for (const row of result.rows) {
        const input = row.get('input') as Buffer;
        corrections.push({
          id: String(row.get('id')),
          createdAt: row.get('created_at') as Date,
          input: new Uint8Array(input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength)),
          digit: row.get('digit') as number,
          label: row.get('label') as number,
          modelVersion: row.get('model_version') as string,
        });
      }
      pageState = result.pageState ?? undefined;
    } while (pageState !== undefined);
    return corrections;
  }
}
