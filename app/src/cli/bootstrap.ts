import { loadBootstrapConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { bootstrapCluster } from '../store/cassandra/bootstrap-cluster.js';
import { parseFlags } from './args.js';

const USAGE = `Usage: mnist bootstrap

Creates the Cassandra keyspace, tables and the app's role; applies pending schema migrations.
Idempotent and safe to run concurrently (this is also the Kubernetes keyspace Job).

Environment:
  CASSANDRA_CONTACT_POINTS        required, e.g. 127.0.0.1,127.0.0.2,127.0.0.3
  CASSANDRA_PORT                  9042
  CASSANDRA_LOCAL_DC              datacenter1
  CASSANDRA_KEYSPACE              mnist
  CASSANDRA_USERNAME/PASSWORD     an account allowed to create keyspaces and roles (when auth is on)
  CASSANDRA_CONSISTENCY           LOCAL_QUORUM
  CASSANDRA_CONNECT_TIMEOUT_MS    10000
  CASSANDRA_REQUEST_TIMEOUT_MS    2000 (DDL waits for schema agreement separately)
  CASSANDRA_EXPECTED_NODES        3: nodes that must answer before any DDL
  CASSANDRA_REPLICATION_FACTOR    3 (NetworkTopologyStrategy in the local datacenter)
  CASSANDRA_APP_USERNAME/PASSWORD the app's login role: SELECT and MODIFY on the keyspace only
  CASSANDRA_BOOTSTRAP_TIMEOUT_MS  300000: bound on the whole run
  LOG_LEVEL                       info`;

/** `mnist bootstrap`: one JSON log line per step, a summary line at the end, exit 1 on failure. */
export async function run(args: string[]): Promise<void> {
  if (parseFlags(args, {}, USAGE) === null) return;
  const config = loadBootstrapConfig();
  const logger = createLogger({ level: config.logLevel });
  const startedAt = Date.now();
  const result = await bootstrapCluster(config, logger);
  logger.info({ ...result, durationMs: Date.now() - startedAt }, 'bootstrap complete');
}
