import { spawn } from 'node:child_process';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { StartupError } from '../../src/errors.js';
import { tableId } from '../../src/store/cassandra/schema.js';
import { bootstrapKeyspace, CONTACT_POINTS, createClient, dropKeyspace, ensureCluster, testKeyspace } from './support/cluster.js';

/** Tables and columns of a keyspace, as system_schema has them (ids included). */
async function schemaOf(client: cassandra.Client, keyspace: string): Promise<string[]> {
  const tables = await client.execute('SELECT table_name, id FROM system_schema.tables WHERE keyspace_name = ?', [keyspace], { prepare: true });
  const columns = await client.execute(
    'SELECT table_name, column_name, type, kind, clustering_order, position FROM system_schema.columns WHERE keyspace_name = ?',
    [keyspace],
    { prepare: true },
  );
  return [
    ...tables.rows.map((r) => `table ${String(r.get('table_name'))} ${String(r.get('id'))}`),
    ...columns.rows.map((r) => `column ${String(r.get('table_name'))}.${String(r.get('column_name'))} ${String(r.get('type'))} ${String(r.get('kind'))} ${String(r.get('clustering_order'))} ${String(r.get('position'))}`),
  ].sort();
}

function runBootstrapCli(keyspace: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'app/src/cli/index.ts'), 'bootstrap'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CASSANDRA_CONTACT_POINTS: CONTACT_POINTS, CASSANDRA_KEYSPACE: keyspace, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('bootstrap against the real 3-node cluster', () => {
  let client: cassandra.Client;
  const keyspaces: string[] = [];

  beforeAll(async () => {
    await ensureCluster();
    client = createClient();
    await client.connect();
  });
  afterAll(async () => {
    await client?.shutdown();
    for (const ks of keyspaces) await dropKeyspace(ks);
  });

  it('creates a NetworkTopologyStrategy keyspace with replication factor 3, its tables and migrations', async () => {
    const ks = testKeyspace('boot');
    keyspaces.push(ks);
    const result = await bootstrapKeyspace(ks);
    expect(result).toMatchObject({ nodesUp: 3, applied: [1, 2, 3, 4, 5], alreadyApplied: [], replicationFactor: 3 });
    const row = (await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks], { prepare: true })).first();
    expect(row?.get('replication')).toEqual({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', datacenter1: '3' });
    const schema = await schemaOf(client, ks);
    expect(schema).toContain(`table predictions ${tableId(ks, 'predictions')}`);
    expect(schema).toContain('column predictions.id uuid clustering desc 0');
    expect(schema).toContain('column predictions.hour timestamp partition_key none 0');
    expect(schema).toContain('column predictions.shard tinyint partition_key none 1');
    const speculation = await client.execute('SELECT table_name, speculative_retry FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true });
    const byTable = Object.fromEntries(speculation.rows.map((r) => [String(r.get('table_name')), String(r.get('speculative_retry'))]));
    expect([byTable['predictions'], byTable['prediction_hours']]).toEqual(['50ms', '50ms']);
    const versions = await client.execute(`SELECT version FROM ${ks}.schema_migrations`);
    expect(versions.rows.map((r) => Number(r.get('version'))).sort()).toEqual([1, 2, 3, 4, 5]);

    const again = await bootstrapKeyspace(ks);
    expect(again).toMatchObject({ applied: [], alreadyApplied: [1, 2, 3, 4, 5] });
    expect(await schemaOf(client, ks)).toEqual(schema);
  });

  it('leaves the same schema and no errors when two bootstrap processes run at once', async () => {
    const ks = testKeyspace('race');
    keyspaces.push(ks);
    const [a, b] = await Promise.all([runBootstrapCli(ks), runBootstrapCli(ks)]);
    expect({ code: a.code, output: a.code === 0 ? '' : a.output }).toEqual({ code: 0, output: '' });
    expect({ code: b.code, output: b.code === 0 ? '' : b.output }).toEqual({ code: 0, output: '' });
    const appliedBy = [a.output, b.output].map((out) => /"applied":\[([\d,]*)\]/.exec(out)?.[1]);
    // Exactly one of them applied the migrations; the other found them done.
    expect(appliedBy.sort()).toEqual(['', '1,2,3,4,5']);
    const schema = await schemaOf(client, ks);
    expect(schema.filter((line) => line.startsWith('table ')).sort()).toEqual(
      [
        'corrections',
        'model_chunks',
        'model_decisions',
        'model_live_stats',
        'model_serving',
        'model_versions',
        'prediction_hours',
        'predictions',
        'schema_lock',
        'schema_migrations',
      ].map((t) => `table ${t} ${tableId(ks, t)}`).sort(),
    );
    const versions = await client.execute(`SELECT version FROM ${ks}.schema_migrations`);
    expect(versions.rowLength).toBe(5);
  });

  it('refuses to touch the schema while fewer nodes than expected are up, naming the count', async () => {
    const ks = testKeyspace('nodes');
    const failure = await bootstrapKeyspace(ks, { CASSANDRA_EXPECTED_NODES: '4', CASSANDRA_BOOTSTRAP_TIMEOUT_MS: '3000' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as Error).message).toMatch(/only 3\/4 nodes up/);
    const row = await client.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks], { prepare: true });
    expect(row.rowLength).toBe(0);
  });
});
