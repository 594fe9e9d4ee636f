import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../src/config.js';
import { readModelCard } from '../../src/model/model-card.js';
import { seedRegistry } from '../../src/models/seed-registry.js';
import type { ModelRegistry } from '../../src/models/model-registry.js';
import { openStore, type OpenedStorage } from '../../src/store/open-store.js';
import { registryContract } from '../fixtures/registry-contract.js';
import { makePrediction } from './support/fixtures.js';
import { createKeyspaceFixture } from './support/keyspace-fixture.js';

/**
 * The Cassandra model registry and the corrections table in the real 3-node cluster, opened as
 * the service opens them (openStore: one client for store and registry): the same contract as
 * the embedded registry, LWT races between two clients, the committed model seeded and read
 * back byte for byte, and corrections read back in one go.
 */
describe('model registry and corrections in the real 3-node cluster', () => {
  const fixture = createKeyspaceFixture('registry');
  const spoolDirs: string[] = [];
  let storage: OpenedStorage;
  let client: cassandra.Client;

  /** Store and registry on a client of their own, as another replica would have them. */
  async function openReplica(): Promise<OpenedStorage> {
    const spoolDir = mkdtempSync(path.join(tmpdir(), 'cassandra-registry-replica-'));
    spoolDirs.push(spoolDir);
    const config = loadConfig({ ...process.env, ...fixture.serviceEnv({ SPOOL_DIR: spoolDir }), LOG_LEVEL: 'silent' });
    return openStore({ config, logger: pino({ level: 'silent' }) });
  }

  async function chunkKey(version: string, file: string): Promise<[string, string, string]> {
    const card = await storage.registry.get(version);
    return [version, file, card!.files[file]!];
  }

  beforeAll(async () => {
    await fixture.setUp();
    client = fixture.client;
    await client.connect();
    const config = loadConfig({ ...process.env, ...fixture.serviceEnv(), LOG_LEVEL: 'silent' });
    storage = await openStore({ config, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await storage?.close();
    await fixture.tearDown();
    for (const dir of spoolDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('has no versions and no serving state in a new keyspace', async () => {
    expect(await storage.registry.serving()).toBeNull();
    expect(await storage.registry.list()).toEqual([]);
  });

  describe('the registry contract', () => {
    registryContract({
      registry: () => storage.registry,
      async another(): Promise<ModelRegistry> {
        const replica = await openReplica();
        // The replica's registry, except that closing it closes the replica's client too.
        return Object.assign(Object.create(replica.registry) as ModelRegistry, { close: () => replica.close() });
      },
      async corruptChunk(version, file) {
        const [v, f, sha] = await chunkKey(version, file);
        await client.execute(`UPDATE ${fixture.keyspace}.model_chunks SET data = ? WHERE version = ? AND file = ? AND sha256 = ? AND seq = 1`, [Buffer.alloc(262_144), v, f, sha], { prepare: true });
      },
      async dropLastChunk(version, file) {
        const [v, f, sha] = await chunkKey(version, file);
        const where = 'WHERE version = ? AND file = ? AND sha256 = ?';
        const last = (await client.execute(`SELECT max(seq) AS seq FROM ${fixture.keyspace}.model_chunks ${where}`, [v, f, sha], { prepare: true })).first();
        await client.execute(`DELETE FROM ${fixture.keyspace}.model_chunks ${where} AND seq = ?`, [v, f, sha, last.get('seq')], { prepare: true });
      },
    });
  });

  it('seeds the committed model once when two replicas start together, and serves its bytes back', async () => {
    // A keyspace where nothing serves yet: the contract's tests above set serving state here.
    await client.execute(`TRUNCATE ${fixture.keyspace}.model_serving`);
    const modelDir = path.join(PROJECT_ROOT, 'app', 'model');
    const replica = await openReplica();
    try {
      const results = await Promise.all([seedRegistry(storage.registry, modelDir), seedRegistry(replica.registry, modelDir)]);
      expect(results.filter((r) => r.activated)).toHaveLength(1);
      const { version } = await readModelCard(modelDir);
      expect(results.map((r) => r.active)).toEqual([version, version]);
      expect(await replica.registry.serving()).toMatchObject({ active: version, canary: null, revision: 1 });
      const files = await replica.registry.files(version);
      for (const name of ['model.onnx', 'weights.bin', 'model.json', 'model-card.json']) {
        expect(Buffer.from(files.get(name)!).equals(readFileSync(path.join(modelDir, name)))).toBe(true);
      }
      const chunks = await client.execute(`SELECT seq FROM ${fixture.keyspace}.model_chunks WHERE version = ? AND file = ? AND sha256 = ?`, [version, 'model.onnx', (await storage.registry.get(version))!.files['model.onnx']], { prepare: true, fetchSize: 1000 });
      expect(chunks.rowLength).toBe(Math.ceil(readFileSync(path.join(modelDir, 'model.onnx')).length / 262_144));
    } finally {
      await replica.close();
    }
  });

  it('keeps live stats for a day (the table TTL), not for ever', async () => {
    const table = await client.execute('SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [fixture.keyspace, 'model_live_stats'], { prepare: true });
    expect(table.first().get('default_time_to_live')).toBe(86_400);
  });

  it('reads every correction in one go, oldest first, with the latest label, and keeps the feedback on the prediction', async () => {
    const t = Date.now();
    const records = [0, 1, 2].map((i) => makePrediction(new Date(t - 3 * 3_600_000 + i * 3_600_000)));
    for (const record of records) await storage.store.record(record);
    await storage.store.setFeedback(records[2]!.id, 1, new Date());
    await storage.store.setFeedback(records[0]!.id, 8, new Date());
    await storage.store.setFeedback(records[0]!.id, 9, new Date());
    const corrections = await storage.store.corrections();
    expect(corrections.map((c) => [c.id, c.digit, c.label])).toEqual([
      [records[0]!.id, records[0]!.digit, 9],
      [records[2]!.id, records[2]!.digit, 1],
    ]);
    expect(Buffer.from(corrections[0]!.input).equals(Buffer.from(records[0]!.input))).toBe(true);
    expect(corrections[0]).toMatchObject({ createdAt: records[0]!.createdAt, modelVersion: records[0]!.modelVersion });
    expect(await storage.store.get(records[0]!.id)).toMatchObject({ feedbackLabel: 9 });
  });
});
