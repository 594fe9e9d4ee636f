import { beforeAll, describe, expect, it } from 'vitest';
import { CONTACT_POINTS, ensureCluster, testKeyspace } from './support/cluster.js';
import { serveFailure } from './support/service.js';

/** `mnist serve` with one bad setting: exit 1 and one line naming the problem, never a stack trace. */
function expectCleanStartupError(result: { code: number | null; output: string }, message: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.output).toMatch(message);
  expect(result.output).not.toMatch(/^\s+at /m);
  expect(result.output).not.toMatch(/unexpected error/);
}

describe('serve with a bad Cassandra configuration', () => {
  beforeAll(async () => {
    await ensureCluster();
  });

  it('names the contact points it cannot reach', async () => {
    const result = await serveFailure({ CASSANDRA_CONTACT_POINTS: '127.0.0.9' });
    expectCleanStartupError(result, /^mnist: cannot reach Cassandra at 127\.0\.0\.9 port 9042 \(CASSANDRA_CONTACT_POINTS\/CASSANDRA_PORT\)/m);
  });

  it('names the keyspace that does not exist and says to run bootstrap', async () => {
    const keyspace = testKeyspace('missing');
    const result = await serveFailure({ CASSANDRA_CONTACT_POINTS: CONTACT_POINTS, CASSANDRA_KEYSPACE: keyspace });
    expectCleanStartupError(result, new RegExp(`^mnist: keyspace "${keyspace}" does not exist \\(CASSANDRA_KEYSPACE\\): run the bootstrap command`, 'm'));
  });

  it('names a local datacenter the cluster does not have', async () => {
    const result = await serveFailure({ CASSANDRA_CONTACT_POINTS: CONTACT_POINTS, CASSANDRA_LOCAL_DC: 'dc-nowhere' });
    expectCleanStartupError(result, /^mnist: CASSANDRA_LOCAL_DC="dc-nowhere" does not match the cluster: .*datacenter1/m);
  });

  it('names a malformed setting before connecting at all', async () => {
    const result = await serveFailure({ CASSANDRA_CONTACT_POINTS: CONTACT_POINTS, CASSANDRA_CONSISTENCY: 'MOSTLY' });
    expectCleanStartupError(result, /^mnist: CASSANDRA_CONSISTENCY must be one of .*got "MOSTLY"/m);
  });
});
