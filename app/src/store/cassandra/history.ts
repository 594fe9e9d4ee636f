import cassandra from 'cassandra-driver';
import type { PredictionRecord } from '../prediction-store.js';
import type { CassandraClient } from './connect.js';
import { compareNewestFirst, fromRow, hourOf, PREDICTION_COLUMNS } from './layout.js';
import { HOURS_SCOPE, SHARD_COUNT } from './schema.js';
import { timeOfPredictionId } from '../ids.js';

/** Hours fetched per page of the hour index (driver paging walks further back as needed). */
const HOURS_PAGE_SIZE = 24;

export interface HistoryReader {
  /** Up to `want` records older than `beforeId` (or the newest), newest first. */
  read(beforeId: string | undefined, want: number): Promise<PredictionRecord[]>;
}

/**
 * Newest-first history across buckets: walk the hour index newest first (driver paging, one
 * page of hours at a time), and for each hour read the SHARD_COUNT partitions in parallel, each
 * already sorted newest first on disk (CLUSTERING ORDER BY id DESC) and limited to what is still
 * needed; merge, and stop as soon as the page is full. A page costs a few single-partition reads.
 */
export function createHistoryReader(client: CassandraClient, keyspace: string, consistency: number): HistoryReader {
  const hoursAll = `SELECT hour FROM ${keyspace}.prediction_hours WHERE scope = ?`;
  const hoursBefore = `SELECT hour FROM ${keyspace}.prediction_hours WHERE scope = ? AND hour <= ?`;
  const shardAll = `SELECT ${PREDICTION_COLUMNS} FROM ${keyspace}.predictions WHERE hour = ? AND shard = ? LIMIT ?`;
  const shardBefore = `SELECT ${PREDICTION_COLUMNS} FROM ${keyspace}.predictions WHERE hour = ? AND shard = ? AND id < ? LIMIT ?`;
  const options = { prepare: true, consistency, isIdempotent: true };

  async function readHour(hour: Date, beforeId: string | undefined, want: number): Promise<PredictionRecord[]> {
    const shards = Array.from({ length: SHARD_COUNT }, (_, shard) => shard);
    const before = beforeId === undefined ? undefined : cassandra.types.Uuid.fromString(beforeId);
    const results = await Promise.all(
      shards.map((shard) =>
        before === undefined
          ? client.execute(shardAll, [hour, shard, want], options)
          : client.execute(shardBefore, [hour, shard, before, want], options),
      ),
    );
    return results.flatMap((result) => result.rows.map(fromRow)).sort(compareNewestFirst).slice(0, want);
  }

  return {
    async read(beforeId, want) {
      const found: PredictionRecord[] = [];
      const beforeTime = beforeId === undefined ? null : timeOfPredictionId(beforeId);
      let pageState: string | undefined;
      do {
        const result = beforeTime === null
          ? await client.execute(hoursAll, [HOURS_SCOPE], { ...options, fetchSize: HOURS_PAGE_SIZE, pageState })
          : await client.execute(hoursBefore, [HOURS_SCOPE, hourOf(beforeTime)], { ...options, fetchSize: HOURS_PAGE_SIZE, pageState });
        for (const row of result.rows) {
          found.push(...(await readHour(row.get('hour') as Date, beforeId, want - found.length)));
          if (found.length >= want) return found;
        }
        pageState = result.pageState ?? undefined;
      } while (pageState !== undefined);
      return found;
    },
  };
}
