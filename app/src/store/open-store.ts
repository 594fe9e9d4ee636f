import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openEmbeddedRegistry } from '../models/embedded-registry.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { openCassandraStore } from './cassandra/open-cassandra-store.js';
import { openEmbeddedStore } from './embedded-store.js';
import type { PredictionStore } from './prediction-store.js';

/** What opening a store may use: the whole config (store settings live there) and the logger. */
export interface OpenStoreOptions {
  readonly config: Config;
  readonly logger: Logger;
}

/** The predictions and the model registry, kept in the same database. */
export interface OpenedStorage {
  readonly store: PredictionStore;
  readonly registry: ModelRegistry;
  /** Closes the registry, then the store (which may own the connection they share). Idempotent. */
  close(): Promise<void>;
}

function opened(store: PredictionStore, registry: ModelRegistry): OpenedStorage {
  let closing: Promise<void> | undefined;
  return {
    store,
    registry,
    close() {
      closing ??= registry.close().finally(() => store.close());
      return closing;
    },
  };
}

/**
 * Picks the storage from config: Cassandra (predictions with their on-disk spool, and the
 * registry, on one client) when CASSANDRA_CONTACT_POINTS is set, else the embedded SQLite file
 * in DATA_DIR (both in the same file). A bad Cassandra configuration is a StartupError.
 */
export async function openStore(options: OpenStoreOptions): Promise<OpenedStorage> {
  const { config, logger } = options;
  // --- Cassandra branch (owned by the Cassandra store, app/src/store/cassandra/) ---
  if (config.cassandra !== undefined) {
    const { store, registry } = await openCassandraStore({ cassandra: config.cassandra, spool: config.spool, logger });
    return opened(store, registry);
  }
  // --- end of Cassandra branch ---
  logger.debug({ dataDir: config.dataDir }, 'opening the embedded store');
  const store = await openEmbeddedStore({ dataDir: config.dataDir });
  try {
    return opened(store, await openEmbeddedRegistry({ dataDir: config.dataDir }));
  } catch (error) {
    await store.close();
    throw error;
  }
}
