/**
 * The Cassandra schema as versioned migrations (see docs/cassandra-design.md). Every statement
 * is idempotent (IF NOT EXISTS) and every table has a deterministic id (`WITH ID`, a name-based
 * UUID of keyspace and table): two bootstraps that race on different coordinators then create
 * the very same table instead of two tables with one name and different ids, the classic way
 * concurrent DDL corrupts a Cassandra schema. Table ids are cluster-wide, hence the keyspace.
 */
import { createHash } from 'node:crypto';
import { LIVE_STATS_RETENTION_MS } from '../../models/model-files.js';

/** Writes spread over this many partitions per hour; part of the key, so fixed for a keyspace. */
export const SHARD_COUNT = 8;
/** The one partition of the hour index (a few kB a year, written once an hour per app). */
export const HOURS_SCOPE = 'all';
/** When a replica has not answered a read after this long, the coordinator asks another. */
export const SPECULATIVE_RETRY = '50ms';
/** Live stats' time to live: as long as the embedded registry keeps them. */
export const LIVE_STATS_TTL_S = LIVE_STATS_RETENTION_MS / 1000;

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** CQL with `{ks}` for the keyspace name and `{id}` for the created table's id. */
  readonly statements: readonly string[];
}

/** Tables the migration runner itself needs, created before any migration. */
export const BOOKKEEPING_STATEMENTS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS {ks}.schema_migrations (
     version int PRIMARY KEY,
     name text,
     applied_at timestamp,
     applied_by text
   ) WITH ID = {id}
     AND comment = 'Applied schema migrations (bootstrap command)'`,
  `CREATE TABLE IF NOT EXISTS {ks}.schema_lock (
     name text PRIMARY KEY,
     owner text,
     acquired_at timestamp
   ) WITH ID = {id}
     AND comment = 'Lightweight-transaction lock: one bootstrap migrates at a time'`,
];

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'predictions partitioned by hour and shard, newest first',
    statements: [
      `CREATE TABLE IF NOT EXISTS {ks}.predictions (
         hour timestamp,
         shard tinyint,
         id uuid,
         created_at timestamp,
         digit tinyint,
         confidence double,
         probabilities frozen<list<double>>,
         model_version text,
         input blob,
         source text,
         latency_ms double,
         feedback_label tinyint,
         feedback_at timestamp,
         PRIMARY KEY ((hour, shard), id)
       ) WITH CLUSTERING ORDER BY (id DESC)
         AND ID = {id}
         AND compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'DAYS', 'compaction_window_size': 1}
         AND comment = 'One row per prediction; id is a UUIDv7, hour and shard derive from it'`,
    ],
  },
  {
    version: 2,
    name: 'index of hours that hold predictions, for history paging across buckets',
    statements: [
      `CREATE TABLE IF NOT EXISTS {ks}.prediction_hours (
         scope text,
         hour timestamp,
         PRIMARY KEY (scope, hour)
       ) WITH CLUSTERING ORDER BY (hour DESC)
         AND ID = {id}
         AND comment = 'Hours that hold predictions, newest first'`,
    ],
  },
  {
    version: 3,
    name: 'rapid read protection: ask another replica after 50 ms',
    // The default, 99p, is a percentile of the table's own read latency. A table that has
    // served no reads yet speculates after half the read timeout (2.5 s; the hybrid
    // 'MIN(99p,50ms)' keeps that value too until the first read is sampled). For the ~20 s a
    // killed node takes to be convicted by gossip, a LOCAL_QUORUM read whose coordinator picks
    // it as a replica then outlives the driver's 2 s timeout, and the blocked reads starve the
    // coordinator's request threads. A fixed 50 ms sends the read to the third replica
    // instead. Reads are rare here (history, lookup, feedback): the extra reads cost little.
    statements: [
      `ALTER TABLE {ks}.predictions WITH speculative_retry = '${SPECULATIVE_RETRY}'`,
      `ALTER TABLE {ks}.prediction_hours WITH speculative_retry = '${SPECULATIVE_RETRY}'`,
    ],
  },
  {
    version: 4,
    name: 'corrections: every corrected prediction in one partition, for the retrain',
    statements: [
      `CREATE TABLE IF NOT EXISTS {ks}.corrections (
         scope text,
         id uuid,
         created_at timestamp,
         input blob,
         digit tinyint,
         label tinyint,
         model_version text,
         corrected_at timestamp,
         PRIMARY KEY (scope, id)
       ) WITH ID = {id}
         AND speculative_retry = '${SPECULATIVE_RETRY}'
         AND comment = 'A copy of each corrected prediction (written with its feedback), all in one partition'`,
    ],
  },
  {
    version: 5,
    name: 'model registry: versions, chunked files, serving state, decisions, live stats',
    // Chunks are keyed by the file's SHA-256 as well: two publishers of one version with
    // different bytes (a bug, refused by the card's LWT) can never interleave chunks of one
    // partition, and a partition holds one file's bytes only. Serving state is one row changed
    // by LWT only. Live stats expire by TTL, in hour windows that TWCS drops whole.
    statements: [
      `CREATE TABLE IF NOT EXISTS {ks}.model_versions (
         scope text,
         version text,
         card text,
         published_at timestamp,
         PRIMARY KEY (scope, version)
       ) WITH ID = {id}
         AND speculative_retry = '${SPECULATIVE_RETRY}'
         AND comment = 'One row per model version: its card as JSON'`,
      `CREATE TABLE IF NOT EXISTS {ks}.model_chunks (
         version text,
         file text,
         sha256 text,
         seq int,
         data blob,
         PRIMARY KEY ((version, file, sha256), seq)
       ) WITH ID = {id}
         AND speculative_retry = '${SPECULATIVE_RETRY}'
         AND comment = 'Model files in chunks of 256 KiB, a partition per (version, file, content)'`,
      `CREATE TABLE IF NOT EXISTS {ks}.model_serving (
         scope text PRIMARY KEY,
         active text,
         canary_version text,
         canary_weight double,
         revision bigint,
         updated_at timestamp,
         reason text
       ) WITH ID = {id}
         AND speculative_retry = '${SPECULATIVE_RETRY}'
         AND comment = 'Which version serves and the canary beside it; changed by LWT on revision'`,
      `CREATE TABLE IF NOT EXISTS {ks}.model_decisions (
         scope text,
         at timestamp,
         id timeuuid,
         version text,
         kind text,
         reason text,
         figures text,
         PRIMARY KEY (scope, at, id)
       ) WITH CLUSTERING ORDER BY (at DESC, id DESC)
         AND ID = {id}
         AND comment = 'Decisions about model versions (gates, canary, promotion), newest first'`,
      `CREATE TABLE IF NOT EXISTS {ks}.model_live_stats (
         version text,
         at timestamp,
         replica text,
         predictions int,
         failures int,
         p50_ms double,
         p99_ms double,
         PRIMARY KEY (version, at, replica)
       ) WITH ID = {id}
         AND default_time_to_live = ${LIVE_STATS_TTL_S}
         AND compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'HOURS', 'compaction_window_size': 1}
         AND comment = 'What each replica saw of each version per interval; expires after a day'`,
    ],
  },
];

/** The version this build reads and writes; the store refuses to start on an older keyspace. */
export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** Namespace of the name-based (version 5) table ids; never change it. */
const TABLE_ID_NAMESPACE = Buffer.from('5b0c3f1e9a7d4c2e8f6a1b3c5d7e9f10', 'hex');

/** The id a table gets in every cluster: UUIDv5 of "<keyspace>.<table>". */
export function tableId(keyspace: string, table: string): string {
  const hash = createHash('sha1').update(TABLE_ID_NAMESPACE).update(`${keyspace}.${table}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Fills in the keyspace (validated as a plain identifier by config.ts) and the table's id. */
export function renderStatement(statement: string, keyspace: string): string {
  const table = /CREATE TABLE IF NOT EXISTS \{ks\}\.(\w+)/.exec(statement)?.[1];
  const withKeyspace = statement.replaceAll('{ks}', keyspace);
  return table === undefined ? withKeyspace : withKeyspace.replaceAll('{id}', tableId(keyspace, table));
}
