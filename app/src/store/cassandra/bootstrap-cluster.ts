import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { BootstrapConfig } from '../../config.js';
import { StartupError } from '../../errors.js';
import { countLiveNodes } from './cluster-nodes.js';
import { connectCassandra, type CassandraClient } from './connect.js';
import { migrate, waitForSchemaAgreement, type MigrateResult } from './migrate.js';
import { ensureAppRole, type RoleOutcome } from './app-role.js';
import { retryWhileSchemaPropagates } from './schema-retry.js';

export interface BootstrapResult extends MigrateResult {
  readonly nodesUp: number;
  readonly keyspace: string;
  readonly replicationFactor: number;
  readonly role: RoleOutcome;
}

async function waitForNodes(client: CassandraClient, config: BootstrapConfig, deadline: number, logger: Logger): Promise<number> {
  let last = '';
  for (;;) {
    const count = await countLiveNodes(client, config.cassandra.localDataCenter);
    if (count.up >= config.expectedNodes) return count.up;
    const state = `${count.up}/${config.expectedNodes} nodes up${count.down.length > 0 ? ` (down: ${count.down.join(', ')})` : ''}`;
    if (state !== last) logger.info({ up: count.up, expected: config.expectedNodes, down: count.down }, 'waiting for Cassandra nodes');
    last = state;
    if (Date.now() > deadline) {
      throw new StartupError(`only ${state} after ${config.timeoutMs} ms (CASSANDRA_EXPECTED_NODES=${config.expectedNodes})`);
    }
    await sleep(1_000);
  }
}

async function ensureKeyspace(client: CassandraClient, config: BootstrapConfig, deadline: number, logger: Logger): Promise<void> {
  const { keyspace, localDataCenter } = config.cassandra;
  const replication = `{'class': 'NetworkTopologyStrategy', '${localDataCenter}': ${config.replicationFactor}}`;
  const retry = { deadline, logger };
  await retryWhileSchemaPropagates('create the keyspace', () => client.execute(`CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${replication} AND durable_writes = true`), retry);
  await waitForSchemaAgreement(client, deadline);
  const row = (await retryWhileSchemaPropagates('read the keyspace replication', () => client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace], { prepare: true }), retry)).first();
  const current = (row?.get('replication') ?? {}) as Record<string, string>;
  if (current.class?.endsWith('NetworkTopologyStrategy') && current[localDataCenter] === String(config.replicationFactor)) return;
  // An existing keyspace with other replication is changed, not silently accepted: the Job's
  // settings are the source of truth. Existing data then needs `nodetool repair` to move.
  logger.warn({ keyspace, from: current, to: replication }, 'changing keyspace replication; run a repair afterwards');
  await retryWhileSchemaPropagates('change the keyspace replication', () => client.execute(`ALTER KEYSPACE ${keyspace} WITH replication = ${replication}`), retry);
  await waitForSchemaAgreement(client, deadline);
}

/**
 * The whole bootstrap, as the `bootstrap` command and the Kubernetes keyspace Job run it:
 * connect (retrying while the cluster starts), wait for CASSANDRA_EXPECTED_NODES nodes, create
 * the keyspace, apply migrations, wait for schema agreement, and create the app's role when
 * authentication is on. Idempotent; safe to run concurrently.
 */
export async function bootstrapCluster(config: BootstrapConfig, logger: Logger): Promise<BootstrapResult> {
  const deadline = Date.now() + config.timeoutMs;
  const connectConfig = { ...config.cassandra, startupTimeoutMs: config.timeoutMs };
  const client = await connectCassandra(connectConfig, (reason) => logger.info({ reason }, 'Cassandra not reachable yet; retrying'));
  try {
    const nodesUp = await waitForNodes(client, config, deadline, logger);
    logger.info({ nodesUp }, 'Cassandra nodes up');
    await ensureKeyspace(client, config, deadline, logger);
    const result = await migrate(client, { keyspace: config.cassandra.keyspace, deadline, logger });
    await waitForSchemaAgreement(client, deadline);
    const role = await ensureAppRole(client, config, logger);
    return { ...result, nodesUp, keyspace: config.cassandra.keyspace, replicationFactor: config.replicationFactor, role };
  } finally {
    await client.shutdown();
  }
}
