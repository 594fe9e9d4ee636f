import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { StartupError } from '../../errors.js';
import type { CassandraClient } from './connect.js';
import { BOOKKEEPING_STATEMENTS, MIGRATIONS, renderStatement, type Migration } from './schema.js';
import { retryWhileSchemaPropagates } from './schema-retry.js';

const LOCK_NAME = 'migrations';
/** A bootstrap that dies holding the lock frees it after this long. */
const LOCK_TTL_S = 120;
const POLL_MS = 500;

export interface MigrateOptions {
  readonly keyspace: string;
  readonly deadline: number;
  readonly logger: Logger;
}

export interface MigrateResult {
  readonly applied: readonly number[];
  readonly alreadyApplied: readonly number[];
}

function checkDeadline(deadline: number, what: string): void {
  if (Date.now() > deadline) throw new StartupError(`bootstrap timed out ${what} (CASSANDRA_BOOTSTRAP_TIMEOUT_MS)`);
}

/** The driver has this method (4.x) but its typings omit it. */
type AgreementMetadata = { checkSchemaAgreement(): Promise<boolean> };

/** Every node reports the same schema version; DDL is only safe to build on after this. */
export async function waitForSchemaAgreement(client: CassandraClient, deadline: number): Promise<void> {
  const metadata = client.metadata as unknown as AgreementMetadata;
  while (!(await metadata.checkSchemaAgreement())) {
    checkDeadline(deadline, 'waiting for schema agreement');
    await sleep(POLL_MS);
  }
}

async function acquireLock(client: CassandraClient, ks: string, owner: string, options: MigrateOptions): Promise<void> {
  const insert = `INSERT INTO ${ks}.schema_lock (name, owner, acquired_at) VALUES (?, ?, ?) IF NOT EXISTS USING TTL ${LOCK_TTL_S}`;
  let waitingLogged = false;
  for (;;) {
    const result = await retryWhileSchemaPropagates('acquire the migration lock', () => client.execute(insert, [LOCK_NAME, owner, new Date()], { prepare: true }), options);
    // Holding it already: an attempt that applied but answered with an error was retried.
    if (result.wasApplied() || result.first()?.get('owner') === owner) return;
    if (!waitingLogged) {
      options.logger.info({ holder: result.first()?.get('owner') }, 'another bootstrap holds the migration lock; waiting');
      waitingLogged = true;
    }
    checkDeadline(options.deadline, 'waiting for the migration lock');
    await sleep(POLL_MS + Math.random() * POLL_MS);
  }
}

async function releaseLock(client: CassandraClient, ks: string, owner: string): Promise<void> {
  await client.execute(`DELETE FROM ${ks}.schema_lock WHERE name = ? IF owner = ?`, [LOCK_NAME, owner], { prepare: true });
}

async function appliedVersions(client: CassandraClient, ks: string, options: MigrateOptions): Promise<Set<number>> {
  const result = await retryWhileSchemaPropagates('read applied migrations', () => client.execute(`SELECT version FROM ${ks}.schema_migrations`, [], { prepare: true }), options);
  return new Set(result.rows.map((row) => Number(row.get('version'))));
}

async function applyMigration(client: CassandraClient, migration: Migration, owner: string, options: MigrateOptions): Promise<void> {
  for (const statement of migration.statements) {
    await retryWhileSchemaPropagates(`migration ${migration.version}`, () => client.execute(renderStatement(statement, options.keyspace)), options);
    await waitForSchemaAgreement(client, options.deadline);
  }
  await retryWhileSchemaPropagates(`record migration ${migration.version}`, () =>
    client.execute(
      `INSERT INTO ${options.keyspace}.schema_migrations (version, name, applied_at, applied_by) VALUES (?, ?, ?, ?) IF NOT EXISTS`,
      [migration.version, migration.name, new Date(), owner],
      { prepare: true },
    ), options);
  options.logger.info({ version: migration.version, name: migration.name }, 'migration applied');
}

/**
 * Creates the bookkeeping tables, then applies pending migrations in order under a
 * lightweight-transaction lock, so two bootstraps at once (a re-run Job, two replicas) never
 * interleave DDL; the loser waits, then finds nothing left to do. Safe to run any number of times;
 * every step is idempotent, so one that meets a schema change still propagating is retried.
 */
export async function migrate(client: CassandraClient, options: MigrateOptions): Promise<MigrateResult> {
  const ks = options.keyspace;
  for (const statement of BOOKKEEPING_STATEMENTS) {
    await retryWhileSchemaPropagates('create bookkeeping tables', () => client.execute(renderStatement(statement, ks)), options);
  }
  await waitForSchemaAgreement(client, options.deadline);
  const owner = `${os.hostname()}/${process.pid}/${randomUUID()}`;
  await acquireLock(client, ks, owner, options);
  try {
    const done = await appliedVersions(client, ks, options);
    const applied: number[] = [];
    for (const migration of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      checkDeadline(options.deadline, `before migration ${migration.version}`);
      await applyMigration(client, migration, owner, options);
      applied.push(migration.version);
    }
    return { applied, alreadyApplied: [...done].sort((a, b) => a - b) };
  } finally {
    await releaseLock(client, ks, owner).catch((error: unknown) => {
      options.logger.warn({ err: error }, `could not release the migration lock; it expires in ${LOCK_TTL_S}s`);
    });
  }
}
