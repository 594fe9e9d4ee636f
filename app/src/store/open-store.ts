import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { StartupError } from '../errors.js';
import { openEmbeddedStore } from './embedded-store.js';
import type { PredictionStore } from './prediction-store.js';

/** What opening a store may use: the whole config (store settings live there) and the logger. */
export interface OpenStoreOptions {
  readonly config: Config;
  readonly logger: Logger;
}

/**
 * Picks the store from config. Seam for the Cassandra store: when `config.cassandra` is
 * set, this is where `openCassandraStore({ cassandra: config.cassandra, spool: config.spool,
 * logger })` goes (app/src/store/cassandra*); until it exists, configuring Cassandra fails
 * loudly instead of silently writing to a local file.
 */
export async function openStore(options: OpenStoreOptions): Promise<PredictionStore> {
  const { config, logger } = options;
  if (config.cassandra !== undefined) {
    throw new StartupError('CASSANDRA_CONTACT_POINTS is set but this build has no Cassandra store yet');
  }
  logger.debug({ dataDir: config.dataDir }, 'opening the embedded store');
  return openEmbeddedStore({ dataDir: config.dataDir });
}
