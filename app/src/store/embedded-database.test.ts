import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVersion } from '../../test/fixtures/model-versions.js';
import { openEmbeddedRegistry } from '../models/embedded-registry.js';
import { EMBEDDED_DB_FILE, SCHEMA_VERSION } from './embedded-database.js';
import { createInserter, SCHEMA_SQL } from './embedded-schema.js';
import { openEmbeddedStore } from './embedded-store.js';
import { newPredictionId } from './ids.js';
import type { PredictionRecord } from './prediction-store.js';

function makeRecord(feedbackLabel: number | null): PredictionRecord {
  return {
    id: newPredictionId(),
    createdAt: new Date(),
    digit: 4,
    confidence: 0.8,
    probabilities: Array.from({ length: 10 }, () => 0.1),
    modelVersion: 'v1-model',
    input: new Uint8Array(784).fill(9),
    source: 'canvas',
    latencyMs: 5,
    feedbackLabel,
    feedbackAt: feedbackLabel === null ? null : new Date(),
  };
}

describe('the embedded SQLite file across schema versions', () => {
  let dataDir: string;
  let file: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-schema-'));
    file = path.join(dataDir, EMBEDDED_DB_FILE);
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('migrates a version 1 file, keeping its predictions and finding its corrections', async () => {
    // A file as the previous build left it: the predictions table only, user_version 1.
    const corrected = makeRecord(6);
    const v1 = new Database(file);
    v1.pragma('journal_mode = WAL');
    v1.exec(SCHEMA_SQL);
    v1.pragma('user_version = 1');
    createInserter(v1)([corrected, makeRecord(null)]);
    v1.close();

    const store = await openEmbeddedStore({ dataDir });
    const registry = await openEmbeddedRegistry({ dataDir });
    try {
      expect(await store.get(corrected.id)).toEqual(corrected);
      expect((await store.corrections()).map((c) => [c.id, c.label])).toEqual([[corrected.id, 6]]);
      const v = makeVersion('after-migration', { onnxBytes: 10 });
      expect(await registry.publish(v.card, v.files)).toBe(true);
      expect(await registry.setServing({ active: 'after-migration', canary: null, reason: 'test' }, 0)).toBe(true);
    } finally {
      await registry.close();
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    // The corrections query reads the partial index, not the whole table.
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM predictions WHERE feedback_label IS NOT NULL ORDER BY id").all() as { detail: string }[];
    expect(plan.map((row) => row.detail).join('\n')).toContain('predictions_corrected');
    db.close();
  });

  it('creates a new file at the latest version, and opens it again without change', async () => {
    const registry = await openEmbeddedRegistry({ dataDir });
    await registry.close();
    const store = await openEmbeddedStore({ dataDir });
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(['model_chunks', 'model_decisions', 'model_live_stats', 'model_serving', 'model_versions', 'predictions']);
    db.close();
  });

  it('refuses a file written by a newer build', async () => {
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await expect(openEmbeddedStore({ dataDir })).rejects.toThrow(`has schema version ${SCHEMA_VERSION + 1}; this build knows up to ${SCHEMA_VERSION}`);
    await expect(openEmbeddedRegistry({ dataDir })).rejects.toThrow(/this build knows up to/);
  });
});
