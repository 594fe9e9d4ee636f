import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import { bootstrapKeyspace, CONTACT_POINTS, createClient, dropKeyspace, ensureCluster, testKeyspace } from './cluster.js';

/**
 * What a test that runs the service against the real cluster sets up around it: three nodes up,
 * a keyspace of its own, a spool directory, and a client to read back what Cassandra really
 * stored; and what it removes afterwards. A fault test brings the nodes back itself before
 * tearDown (as the next test file expects them).
 */
export interface KeyspaceFixture {
  readonly keyspace: string;
  /** After setUp. */
  readonly spoolDir: string;
  /** After setUp; not connected (a test connects it when the nodes are meant to be up). */
  readonly client: cassandra.Client;
  /** The env of a service writing to this keyspace and spooling into spoolDir, plus `extra`. */
  serviceEnv(extra?: Record<string, string>): Record<string, string>;
  setUp(): Promise<void>;
  /** Closes the client, drops the keyspace, removes the spool directory. */
  tearDown(): Promise<void>;
}

/** `label` names the keyspace (t_<label>_<random>) and the spool directory. */
export function createKeyspaceFixture(label: string): KeyspaceFixture {
  const keyspace = testKeyspace(label);
  let spoolDir: string | undefined;
  let client: cassandra.Client | undefined;
  const created = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the keyspace fixture's ${what} exists only after setUp()`);
    return value;
  };
  return {
    keyspace,
    get spoolDir() {
      return created(spoolDir, 'spool directory');
    },
    get client() {
      return created(client, 'client');
    },
    serviceEnv(extra = {}) {
      return { CASSANDRA_CONTACT_POINTS: CONTACT_POINTS, CASSANDRA_KEYSPACE: keyspace, SPOOL_DIR: created(spoolDir, 'spool directory'), ...extra };
    },
    async setUp() {
      await ensureCluster();
      await bootstrapKeyspace(keyspace);
      spoolDir = mkdtempSync(path.join(tmpdir(), `cassandra-${label}-spool-`));
      client = createClient();
    },
    async tearDown() {
      await client?.shutdown();
      await dropKeyspace(keyspace);
      if (spoolDir !== undefined) rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}
