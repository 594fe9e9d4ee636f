import { setTimeout as sleep } from 'node:timers/promises';
import cassandra from 'cassandra-driver';
import type { CassandraConfig } from '../../config.js';
import { errorMessage, StartupError } from '../../errors.js';
import { ReadRetryingPolicy } from './retry-policy.js';

export type CassandraClient = cassandra.Client;
const { Client, errors, policies, types } = cassandra;

/** Consistency level named in config (e.g. LOCAL_QUORUM) as the driver's number. */
export function consistencyOf(name: string): number {
  const key = name.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  const value = (types.consistencies as unknown as Record<string, number | undefined>)[key];
  if (value === undefined) throw new StartupError(`unknown consistency level ${name}`);
  return value;
}

/**
 * A driver client with the settings every user of the cluster shares: token- and DC-aware
 * routing, bounded exponential reconnection, reads retried on another coordinator after a
 * server-side timeout (ReadRetryingPolicy), prepared statements, and
 * the configured consistency. Queries name tables with their keyspace, so a missing keyspace
 * is reported by us, clearly, instead of failing the connection.
 */
export function createCassandraClient(config: CassandraConfig): CassandraClient {
  return new Client({
    contactPoints: [...config.contactPoints],
    // The datacenter goes to the policy, not to `localDataCenter`: with that option the driver
    // checks it during connect() and, when it is wrong, leaves sockets open that shutdown()
    // cannot close (the process never exits). connectCassandra() checks it instead.
    protocolOptions: { port: config.port, maxSchemaAgreementWaitSeconds: 30 },
    ...(config.username !== undefined && config.password !== undefined
      ? { credentials: { username: config.username, password: config.password } }
      : {}),
    socketOptions: { connectTimeout: config.connectTimeoutMs, readTimeout: config.requestTimeoutMs },
    pooling: { heartBeatInterval: 5_000, warmup: true },
    policies: {
      loadBalancing: new policies.loadBalancing.TokenAwarePolicy(new policies.loadBalancing.DCAwareRoundRobinPolicy(config.localDataCenter)),
      reconnection: new policies.reconnection.ExponentialReconnectionPolicy(250, 5_000, false),
      retry: new ReadRetryingPolicy(),
    },
    queryOptions: {
      consistency: consistencyOf(config.consistency),
      serialConsistency: types.consistencies.localSerial,
      prepare: true,
      fetchSize: 100,
    },
    encoding: { useUndefinedAsUnset: true },
  });
}

/** Driver messages may embed a nested error with its stack: people get the first line. */
function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

interface ConnectFailure {
  readonly message: string;
  /** Unreachable hosts may be a cluster still starting; bad credentials or DC never heal. */
  readonly retryable: boolean;
}

function innerErrorsOf(error: unknown): Error[] {
  if (error instanceof errors.NoHostAvailableError) {
    return Object.values(error.innerErrors as Record<string, unknown>).filter((e): e is Error => e instanceof Error);
  }
  return [];
}

/** Turns a driver connection error into one sentence naming the setting to check. */
export function describeConnectFailure(error: unknown, config: CassandraConfig): ConnectFailure {
  const message = errorMessage(error);
  const inner = innerErrorsOf(error);
  const authError = inner.find((e) => e instanceof errors.AuthenticationError || /authenticat/i.test(e.message));
  if (authError !== undefined || error instanceof errors.AuthenticationError) {
    const who = config.username === undefined ? 'no credentials (CASSANDRA_USERNAME/CASSANDRA_PASSWORD unset)' : `user "${config.username}"`;
    return { message: `Cassandra rejected the login with ${who}: ${firstLine((authError ?? (error as Error)).message)}`, retryable: false };
  }
  const dcError = [error, ...inner].find((e): e is Error => e instanceof Error && /Datacenter \S+ was not found/.test(e.message));
  if (dcError !== undefined) {
    return { message: `CASSANDRA_LOCAL_DC="${config.localDataCenter}" does not match the cluster: ${firstLine(dcError.message)}`, retryable: false };
  }
  const where = `${config.contactPoints.join(',')} port ${config.port} (CASSANDRA_CONTACT_POINTS/CASSANDRA_PORT)`;
  const cause = firstLine(inner[0]?.message ?? message);
  return { message: `cannot reach Cassandra at ${where}: ${cause}`, retryable: true };
}

/**
 * Connects, retrying unreachable clusters until `config.startupTimeoutMs` (a cluster that is
 * still starting, or is briefly down while the app restarts), then throws a StartupError
 * naming the problem. Bad credentials or datacenter fail at once.
 */
export async function connectCassandra(
  config: CassandraConfig,
  onRetry: (reason: string) => void = () => {},
): Promise<CassandraClient> {
  const deadline = Date.now() + config.startupTimeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    const client = createCassandraClient(config);
    try {
      await client.connect();
    } catch (error) {
      await client.shutdown().catch(() => {});
      const failure = describeConnectFailure(error, config);
      if (!failure.retryable || Date.now() >= deadline) {
        throw new StartupError(failure.message, { cause: error });
      }
      onRetry(failure.message);
      await sleep(Math.min(2_000, 250 * attempt));
      continue;
    }
    const datacenters = new Set(client.hosts.values().map((host) => host.datacenter));
    if (!datacenters.has(config.localDataCenter)) {
      await client.shutdown().catch(() => {});
      throw new StartupError(
        `CASSANDRA_LOCAL_DC="${config.localDataCenter}" does not match the cluster, whose datacenters are: ${[...datacenters].sort().join(', ')}`,
      );
    }
    return client;
  }
}
