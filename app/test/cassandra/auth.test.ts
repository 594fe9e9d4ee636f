import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapKeyspace, CONTACT_POINTS, createClient, ensureCluster, stopCluster, testKeyspace } from './support/cluster.js';
import { mnistPngs } from './support/fixtures.js';
import { postPrediction } from './support/load.js';
import { serveFailure, spawnServe, type ServeProcess } from './support/service.js';

/**
 * A cluster with PasswordAuthenticator/CassandraAuthorizer (AUTH=1): the bootstrap creates the
 * app's least-privilege role, the app logs in with it, and wrong credentials stop start-up with
 * a clear message. The file restarts the cluster twice (with auth, then without, as it found it).
 */
const SUPERUSER = { CASSANDRA_USERNAME: 'cassandra', CASSANDRA_PASSWORD: 'cassandra' };
const APP_USER = 'digits_app';
const APP_PASSWORD = "it's-a-secret"; // a quote, to prove the password is escaped in DCL

async function waitForSuperuser(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = createClient({ username: 'cassandra', password: 'cassandra' });
    try {
      await client.connect();
      await client.execute('SELECT role FROM system_auth.roles');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`default superuser not ready: ${String(error)}`);
      await sleep(1_000);
    } finally {
      await client.shutdown().catch(() => {});
    }
  }
}

describe('authentication and the app role on a real cluster', () => {
  const keyspace = testKeyspace('auth');
  const serves: ServeProcess[] = [];

  beforeAll(async () => {
    await stopCluster();
    await ensureCluster({ AUTH: '1' });
    await waitForSuperuser(120_000);
    await bootstrapKeyspace(keyspace, { ...SUPERUSER, CASSANDRA_APP_USERNAME: APP_USER, CASSANDRA_APP_PASSWORD: APP_PASSWORD });
  });
  afterAll(async () => {
    for (const serve of serves) serve.child.kill('SIGKILL');
    await stopCluster();
    await ensureCluster(); // three nodes without auth, for the files after this one
  });

  it('gives the app role SELECT and MODIFY on its keyspace and nothing else', async () => {
    const admin = createClient({ username: 'cassandra', password: 'cassandra' });
    await admin.connect();
    try {
      // A permission granted by hand is taken away by the next bootstrap.
      await admin.execute(`GRANT DROP ON KEYSPACE ${keyspace} TO ${APP_USER}`);
      const result = await bootstrapKeyspace(keyspace, { ...SUPERUSER, CASSANDRA_APP_USERNAME: APP_USER, CASSANDRA_APP_PASSWORD: APP_PASSWORD });
      expect(result.role).toBe('created-or-updated');
      const permissions = await admin.execute(`LIST ALL PERMISSIONS OF ${APP_USER} NORECURSIVE`);
      expect(permissions.rows.map((r) => `${String(r.get('resource'))} ${String(r.get('permission'))}`).sort()).toEqual([
        `<keyspace ${keyspace}> MODIFY`,
        `<keyspace ${keyspace}> SELECT`,
      ]);
    } finally {
      await admin.shutdown();
    }

    const app = createClient({ username: APP_USER, password: APP_PASSWORD });
    await app.connect();
    try {
      await app.execute(`SELECT version FROM ${keyspace}.schema_migrations`);
      await app.execute(`INSERT INTO ${keyspace}.prediction_hours (scope, hour) VALUES ('probe', ?)`, [new Date(0)], { prepare: true });
      // The registry's lightweight transactions need nothing beyond SELECT and MODIFY.
      const lwt = await app.execute(`INSERT INTO ${keyspace}.model_serving (scope, active, revision) VALUES ('probe', 'v', 1) IF NOT EXISTS`, [], { prepare: true });
      expect(lwt.wasApplied()).toBe(true);
      const refused = new RegExp(`${APP_USER} (has no \\w+ permission|does not have sufficient privileges)`);
      await expect(app.execute(`CREATE TABLE ${keyspace}.intruder (k int PRIMARY KEY)`)).rejects.toThrow(refused);
      await expect(app.execute(`DROP TABLE ${keyspace}.predictions`)).rejects.toThrow(refused);
      await expect(app.execute(`ALTER TABLE ${keyspace}.predictions ADD extra text`)).rejects.toThrow(refused);
      await expect(app.execute(`CREATE ROLE sneaky WITH PASSWORD = 'x' AND LOGIN = true`)).rejects.toThrow(refused);
    } finally {
      await app.shutdown();
    }
  });

  it('serves and records predictions logged in as the app role', async () => {
    const serve = spawnServe({ CASSANDRA_CONTACT_POINTS: CONTACT_POINTS, CASSANDRA_KEYSPACE: keyspace, CASSANDRA_USERNAME: APP_USER, CASSANDRA_PASSWORD: APP_PASSWORD });
    serves.push(serve);
    const url = await serve.listening;
    const [png] = await mnistPngs(1);
    const outcome = await postPrediction(url, png!);
    expect(outcome.status).toBe(201);
    const stored = await fetch(`${url}/api/predictions/${outcome.id}`);
    expect(stored.status).toBe(200);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('stops start-up with a message naming the user when the password is wrong', async () => {
    const result = await serveFailure({ CASSANDRA_CONTACT_POINTS: CONTACT_POINTS, CASSANDRA_KEYSPACE: keyspace, CASSANDRA_USERNAME: APP_USER, CASSANDRA_PASSWORD: 'wrong' });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(new RegExp(`^mnist: Cassandra rejected the login with user "${APP_USER}"`, 'm'));
    expect(result.output).not.toMatch(/^\s+at /m);
  });

  it('says the credentials are unset when the cluster requires a login', async () => {
    const result = await serveFailure({ CASSANDRA_CONTACT_POINTS: CONTACT_POINTS, CASSANDRA_KEYSPACE: keyspace });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^mnist: Cassandra rejected the login with no credentials \(CASSANDRA_USERNAME\/CASSANDRA_PASSWORD unset\)/m);
    expect(result.output).not.toMatch(/^\s+at /m);
  });
});
