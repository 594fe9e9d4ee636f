import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openCassandraStore } from './cassandra/open-cassandra-store.js';
import { openEmbeddedStore } from './embedded-store.js';
import type { PredictionStore } from './prediction-store.js';

/** What opening a store may use: the whole config (store settings live there) and the logger. */
export interface OpenStoreOptions {
  readonly config: Config;
  readonly logger: Logger;
}

/**
 * Picks the store from config: Cassandra (with its on-disk spool) when CASSANDRA_CONTACT_POINTS
 * is set, else the embedded SQLite store. A bad Cassandra configuration is a StartupError.
 */
export async function openStore(options: OpenStoreOptions): Promise<PredictionStore> {
  const { config, logger } = options;
  // --- Cassandra branch (owned by the Cassandra store, app/src/store/cassandra/) ---
  if (config.cassandra !== undefined) {
    return openCassandraStore({ cassandra: config.cassandra, spool: config.spool, logger });
  }
  // --- end of Cassandra branch ---
  logger.debug({ dataDir: config.dataDir }, 'opening the embedded store');
  return openEmbeddedStore({ dataDir: config.dataDir });
}
