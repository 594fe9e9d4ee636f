/**
 * Whether a local Cassandra node answers CQL, asked with the driver the app uses (cql-ready.ts
 * is the command lib.sh runs).
 */
import cassandra from 'cassandra-driver';

const PORT = 9042;
/** A handshake that takes longer than this is a node still starting (or stuck): ask again. */
const PROBE_TIMEOUT_MS = 3_000;

/** True when the error says the server asked for credentials: its CQL port is up. */
export function isAuthenticationChallenge(error: unknown): boolean {
  if (error instanceof cassandra.errors.AuthenticationError) return true;
  const inner = (error as { innerErrors?: Record<string, unknown> }).innerErrors;
  return inner !== undefined && Object.values(inner).some((e) => e instanceof cassandra.errors.AuthenticationError);
}

/** One look: does 127.0.0.n:9042 complete the driver's handshake (or ask for credentials)? */
export async function answersCql(address: string, port = PORT, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  const endpoint = `${address}:${port}`;
  const client = new cassandra.Client({
    contactPoints: [endpoint],
    // Only this node: the probe asks about it, not about the peers it would discover.
    policies: { loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(new cassandra.policies.loadBalancing.RoundRobinPolicy(), [endpoint]) },
    pooling: { warmup: false, coreConnectionsPerHost: { [cassandra.types.distance.local]: 1, [cassandra.types.distance.remote]: 0 } },
    socketOptions: { connectTimeout: timeoutMs, readTimeout: timeoutMs },
    isMetadataSyncEnabled: false,
  });
  try {
    await client.connect();
    return true;
  } catch (error) {
    return isAuthenticationChallenge(error);
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}
