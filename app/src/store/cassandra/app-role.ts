import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { BootstrapConfig } from '../../config.js';
import { createCassandraClient, type CassandraClient } from './connect.js';

export type RoleOutcome = 'created-or-updated' | 'auth-disabled' | 'not-configured';

/** The only rights the app gets: read and write rows of its keyspace. No DDL, no roles. */
const APP_PERMISSIONS = ['SELECT', 'MODIFY'] as const;

async function authenticationEnabled(client: CassandraClient): Promise<boolean> {
  const result = await client.execute("SELECT value FROM system_views.settings WHERE name = 'authenticator'");
  const value = String(result.first()?.get('value') ?? '');
  return value !== '' && !value.includes('AllowAllAuthenticator');
}

/** DCL takes no bind markers for passwords: quote as a CQL string literal. */
function cqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Whether the role can log in with this password (the hash is not readable: try it). */
async function passwordWorks(config: BootstrapConfig, username: string, password: string): Promise<boolean> {
  const probe = createCassandraClient({ ...config.cassandra, username, password });
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    await probe.shutdown().catch(() => {});
  }
}

/** Cassandra refuses a second password change within a few seconds: wait once and retry. */
async function changePassword(client: CassandraClient, user: string, password: string): Promise<void> {
  const alter = `ALTER ROLE ${user} WITH PASSWORD = ${cqlString(password)}`;
  try {
    await client.execute(alter);
  } catch (error) {
    if (!(error instanceof Error && /can only be changed every/.test(error.message))) throw error;
    await sleep(6_000);
    await client.execute(alter);
  }
}

/**
 * Creates (or re-passwords) the app's login role and leaves it exactly SELECT + MODIFY on the
 * keyspace: any other permission found on it (left by hand, or by an older bootstrap) is revoked.
 */
export async function ensureAppRole(client: CassandraClient, config: BootstrapConfig, logger: Logger): Promise<RoleOutcome> {
  const { appUsername: user, appPassword: password } = config;
  const ks = config.cassandra.keyspace;
  if (!(await authenticationEnabled(client))) {
    if (user !== undefined) logger.info({ role: user }, 'authentication is off in the cluster: no app role to create');
    return 'auth-disabled';
  }
  if (user === undefined || password === undefined) {
    logger.warn('authentication is on but CASSANDRA_APP_USERNAME/CASSANDRA_APP_PASSWORD are unset: no app role created');
    return 'not-configured';
  }
  const existing = await client.execute('SELECT role FROM system_auth.roles WHERE role = ?', [user], { prepare: true });
  if (existing.rowLength === 0) {
    await client.execute(`CREATE ROLE IF NOT EXISTS ${user} WITH PASSWORD = ${cqlString(password)} AND LOGIN = true AND SUPERUSER = false`);
  } else {
    await client.execute(`ALTER ROLE ${user} WITH LOGIN = true AND SUPERUSER = false`);
    // A rotated secret (CASSANDRA_APP_PASSWORD changed) is applied; an unchanged one is left alone.
    if (!(await passwordWorks(config, user, password))) await changePassword(client, user, password);
  }
  for (const permission of APP_PERMISSIONS) {
    await client.execute(`GRANT ${permission} ON KEYSPACE ${ks} TO ${user}`);
  }
  const granted = await client.execute(`LIST ALL PERMISSIONS OF ${user} NORECURSIVE`);
  for (const row of granted.rows) {
    const resource = String(row.get('resource'));
    const permission = String(row.get('permission'));
    const wanted = resource === `<keyspace ${ks}>` && (APP_PERMISSIONS as readonly string[]).includes(permission);
    if (wanted) continue;
    const target = resource.replace(/^<(.*)>$/, '$1').replace(/^all keyspaces$/, 'ALL KEYSPACES');
    logger.warn({ role: user, resource, permission }, 'revoking a permission the app must not have');
    await client.execute(`REVOKE ${permission} ON ${target} FROM ${user}`);
  }
  logger.info({ role: user, keyspace: ks, permissions: APP_PERMISSIONS }, 'app role ready');
  return 'created-or-updated';
}
