import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { loadBootstrapConfig, PROJECT_ROOT } from '../../../src/config.js';
import { bootstrapCluster, type BootstrapResult } from '../../../src/store/cassandra/bootstrap-cluster.js';

/**
 * The real local cluster (scripts/cassandra/), as the integration tests use it: start it if it
 * is not up (or fail with the script's own reason), stop and start nodes, bootstrap a keyspace
 * of the test's own, and read back what is really stored.
 */
const run = promisify(execFile);
const SCRIPTS = path.join(PROJECT_ROOT, 'scripts', 'cassandra');
export const CONTACT_POINTS = '127.0.0.1,127.0.0.2,127.0.0.3';

async function script(name: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout, stderr } = await run(path.join(SCRIPTS, name), args, { env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 16 << 20 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`scripts/cassandra/${name} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Three nodes up, without authentication (the state every test file leaves behind). */
export function ensureCluster(env: Record<string, string> = {}): Promise<string> {
  return script('up.sh', ['3'], { AUTH: '0', ...env });
}

export function stopCluster(): Promise<string> {
  return script('down.sh', []);
}

/** stop | kill | start one node (start waits until it answers CQL). */
export function nodeCommand(action: 'stop' | 'kill' | 'start', node: number): Promise<string> {
  return script('node.sh', [action, String(node)]);
}

/** A keyspace name of this test run's own, so files never see each other's rows. */
export function testKeyspace(label: string): string {
  return `t_${label}_${randomBytes(3).toString('hex')}`;
}

export async function bootstrapKeyspace(keyspace: string, env: Record<string, string> = {}): Promise<BootstrapResult> {
  const config = loadBootstrapConfig({ CASSANDRA_CONTACT_POINTS: CONTACT_POINTS, CASSANDRA_KEYSPACE: keyspace, ...env });
  return bootstrapCluster(config, pino({ level: 'silent' }));
}

export function createClient(credentials?: { username: string; password: string }): cassandra.Client {
  return new cassandra.Client({
    contactPoints: CONTACT_POINTS.split(','),
    localDataCenter: 'datacenter1',
    ...(credentials ? { credentials } : {}),
    socketOptions: { readTimeout: 30_000 },
    queryOptions: { consistency: cassandra.types.consistencies.quorum },
  });
}

/**
 * Every prediction id in the keyspace (a full scan at QUORUM). Right after a node is killed,
 * coordinators still route to it until gossip marks it down (seconds), so a page can time out
 * with only one replica answering: such a page is fetched again, resuming from its page state.
 */
export async function storedIds(client: cassandra.Client, keyspace: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let pageState: string | undefined;
  do {
    const result = await executeWithRetries(() =>
      client.execute(`SELECT id FROM ${keyspace}.predictions`, [], { prepare: true, fetchSize: 5000, pageState }),
    );
    for (const row of result.rows) ids.add(String(row.get('id')));
    pageState = result.pageState ?? undefined;
  } while (pageState !== undefined);
  return ids;
}

const READ_ATTEMPTS = 8;

async function executeWithRetries<T>(query: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await query();
    } catch (error) {
      const timedOut = error instanceof Error && /timeout|Operation timed out|NoHostAvailable/i.test(`${error.name} ${error.message}`);
      if (!timedOut || attempt >= READ_ATTEMPTS) throw error;
      await sleep(1_000 * attempt);
    }
  }
}

/** Hint files the nodes still hold for each other (system_views.pending_hints is per node). */
async function pendingHintFiles(client: cassandra.Client): Promise<number> {
  let files = 0;
  for (const host of client.hosts.values()) {
    if (!host.isUp()) continue;
    const result = await client.execute('SELECT files FROM system_views.pending_hints', [], { host, consistency: cassandra.types.consistencies.localOne });
    for (const row of result.rows) files += Number(row.get('files') ?? 0);
  }
  return files;
}

const HINTS_WAIT_MS = 120_000;
const HINTS_QUIET_POLLS = 5;

/**
 * Drops a test keyspace, once no node holds hints any more. Cassandra 5.0.8 drops a keyspace's
 * tables one by one; a hint replayed meanwhile to a node that was down re-dirties a table it has
 * just dropped, recycling the commit log for the next table then fails on it ("Unknown CF <id>"
 * in the node's log), and that node keeps the keyspace half dropped, failing schema changes it
 * coordinates afterwards. Seen after fault-node-kill; waiting for hint delivery avoids the race.
 * Past the wait the keyspace is dropped anyway (the bootstrap retries such errors).
 */
export async function dropKeyspace(keyspace: string): Promise<void> {
  const client = createClient();
  try {
    await client.connect();
    // A file being dispatched has left the pending list already: ask for a few quiet seconds.
    const deadline = Date.now() + HINTS_WAIT_MS;
    for (let quiet = 0; quiet < HINTS_QUIET_POLLS && Date.now() < deadline; ) {
      quiet = (await pendingHintFiles(client)) === 0 ? quiet + 1 : 0;
      await sleep(1_000);
    }
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  } finally {
    await client.shutdown();
  }
}
