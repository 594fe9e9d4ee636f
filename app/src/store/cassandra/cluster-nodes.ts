import type { CassandraClient } from './connect.js';

export interface NodeCount {
  readonly up: number;
  readonly known: number;
  readonly down: readonly string[];
}

/**
 * Nodes of the local datacenter that really answer: the driver's host list (learned from
 * system.peers and topology events), each host asked `SELECT ... FROM system.local` directly.
 * The driver's up/down flag alone lags a node that has just died or started.
 */
export async function countLiveNodes(client: CassandraClient, localDataCenter: string, timeoutMs = 2_000): Promise<NodeCount> {
  const hosts = client.hosts.values().filter((host) => host.datacenter === localDataCenter);
  const answers = await Promise.all(
    hosts.map(async (host) => {
      try {
        await client.execute('SELECT release_version FROM system.local', [], { host, readTimeout: timeoutMs, isIdempotent: true });
        return { address: host.address, up: true };
      } catch {
        return { address: host.address, up: false };
      }
    }),
  );
  return {
    up: answers.filter((a) => a.up).length,
    known: hosts.length,
    down: answers.filter((a) => !a.up).map((a) => a.address),
  };
}
