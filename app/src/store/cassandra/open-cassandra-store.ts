import type { Logger } from 'pino';
import type { CassandraConfig, SpoolConfig } from '../../config.js';
import { errorMessage, StartupError } from '../../errors.js';
import { CassandraStore } from './cassandra-store.js';
import { connectCassandra, consistencyOf, type CassandraClient } from './connect.js';
import { createHistoryReader } from './history.js';
import { CassandraModelRegistry } from './model-registry.js';
import { PredictionTable } from './prediction-table.js';
import { LATEST_SCHEMA_VERSION } from './schema.js';
import { Spool } from './spool.js';

export interface OpenCassandraStoreOptions {
  readonly cassandra: CassandraConfig;
  readonly spool: SpoolConfig;
  readonly logger: Logger;
  /** Bound on close() delivering the spool; default 10 s (inside the pod's grace period). */
  readonly drainTimeoutMs?: number;
}

/** The keyspace exists, the app may read it, and bootstrap brought it to this build's version. */
async function checkSchema(client: CassandraClient, keyspace: string): Promise<void> {
  const found = await client.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace], { prepare: true });
  if (found.rowLength === 0) {
    throw new StartupError(`keyspace "${keyspace}" does not exist (CASSANDRA_KEYSPACE): run the bootstrap command (make bootstrap) first`);
  }
  let versions: number[];
  try {
    const result = await client.execute(`SELECT version FROM ${keyspace}.schema_migrations`, [], { prepare: true });
    versions = result.rows.map((row) => Number(row.get('version')));
  } catch (error) {
    const message = errorMessage(error);
    throw new StartupError(`cannot read keyspace "${keyspace}" (${message}): run bootstrap, and check the user's SELECT permission`, { cause: error });
  }
  const current = versions.length === 0 ? 0 : Math.max(...versions);
  if (current < LATEST_SCHEMA_VERSION) {
    throw new StartupError(`keyspace "${keyspace}" is at schema version ${current}, this build needs ${LATEST_SCHEMA_VERSION}: run the bootstrap command`);
  }
}

/** The store and the model registry of one keyspace, on one client (one connection pool). */
export interface CassandraStorage {
  readonly store: CassandraStore;
  /** Close it before the store: the store's close() shuts the shared client down. */
  readonly registry: CassandraModelRegistry;
}

/**
 * Connects (waiting up to CASSANDRA_STARTUP_TIMEOUT_MS for an unreachable cluster), checks the
 * schema, opens the spool and starts delivering what an earlier process left in it. Bad
 * configuration becomes a StartupError that names the setting.
 */
export async function openCassandraStore(options: OpenCassandraStoreOptions): Promise<CassandraStorage> {
  const { cassandra: config, logger } = options;
  const client = await connectCassandra(config, (reason) => logger.warn({ reason }, 'Cassandra not reachable yet; retrying'));
  try {
    await checkSchema(client, config.keyspace);
  } catch (error) {
    await client.shutdown().catch(() => {});
    throw error;
  }
  const consistency = consistencyOf(config.consistency);
  const spool = Spool.open(options.spool.dir, options.spool.maxRecords);
  logger.info(
    { contactPoints: config.contactPoints, keyspace: config.keyspace, consistency: config.consistency, spoolDir: options.spool.dir, backlog: spool.size },
    'Cassandra store open',
  );
  const store = new CassandraStore({
    client,
    table: new PredictionTable(client, { keyspace: config.keyspace, consistency, requestTimeoutMs: config.requestTimeoutMs }),
    history: createHistoryReader(client, config.keyspace, consistency),
    spool,
    logger,
    writeTimeoutMs: config.writeTimeoutMs,
    readyThreshold: options.spool.readyThreshold,
    drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
  });
  return { store, registry: new CassandraModelRegistry(client, config.keyspace) };
}
