import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeLiveStats, makeVersion } from '../../test/fixtures/model-versions.js';
import { registryContract } from '../../test/fixtures/registry-contract.js';
import { EMBEDDED_DB_FILE } from '../store/embedded-database.js';
import { openEmbeddedRegistry, type EmbeddedModelRegistry } from './embedded-registry.js';
import { ModelRegistryError } from './model-registry.js';

const run = promisify(execFile);

describe('embedded model registry (SQLite in DATA_DIR)', () => {
  let dataDir: string;
  let registry: EmbeddedModelRegistry;
  const direct = <T>(use: (db: Database.Database) => T): T => {
    const db = new Database(path.join(dataDir, EMBEDDED_DB_FILE));
    try {
      return use(db);
    } finally {
      db.close();
    }
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-registry-'));
    registry = await openEmbeddedRegistry({ dataDir });
  });
  afterEach(async () => {
    await registry.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  registryContract({
    registry: () => registry,
    another: () => openEmbeddedRegistry({ dataDir }),
    async corruptChunk(version, file) {
      direct((db) => db.prepare("UPDATE model_chunks SET data = CAST(zeroblob(length(data)) AS BLOB) WHERE version = ? AND file = ? AND seq = 1").run(version, file));
    },
    async dropLastChunk(version, file) {
      direct((db) => db.prepare('DELETE FROM model_chunks WHERE version = ? AND file = ? AND seq = (SELECT max(seq) FROM model_chunks WHERE version = ? AND file = ?)').run(version, file, version, file));
    },
  });

  it('has no serving state before the first activation', async () => {
    expect(await registry.serving()).toBeNull();
    expect(await registry.list()).toEqual([]);
  });

  it('stores a file in 256 KiB chunks', async () => {
    const v = makeVersion('chunked', { onnxBytes: 600_000 });
    await registry.publish(v.card, v.files);
    const sizes = direct((db) => db.prepare("SELECT length(data) AS n FROM model_chunks WHERE version = 'chunked' AND file = 'model.onnx' ORDER BY seq").all() as { n: number }[]);
    expect(sizes.map((row) => row.n)).toEqual([262_144, 262_144, 600_000 - 2 * 262_144]);
  });

  it('forgets live stats older than a day when a newer report comes', async () => {
    const now = Date.now();
    await registry.reportLive(makeLiveStats('v', 'pod-a', new Date(now - 25 * 3_600_000)));
    await registry.reportLive(makeLiveStats('v', 'pod-a', new Date(now)));
    expect((await registry.liveStats('v', new Date(0))).map((s) => s.at.getTime())).toEqual([now]);
  });

  it('refuses every call once closed', async () => {
    await registry.close();
    await expect(registry.serving()).rejects.toBeInstanceOf(ModelRegistryError);
    registry = await openEmbeddedRegistry({ dataDir });
  });

  it('lets processes racing on the same file change the serving state one revision at a time', async () => {
    const versions = ['p0', 'p1', 'p2'].map((name) => makeVersion(name, { onnxBytes: 10 }));
    for (const v of versions) await registry.publish(v.card, v.files);
    await registry.setServing({ active: 'p0', canary: null, reason: 'start' }, 0);
    // Each process reads the state and moves it on from the revision it read, until revision 31:
    // a lost update would let two processes both win from one revision, and the wins not add up.
    const child = `
      import { openEmbeddedRegistry } from ${JSON.stringify(path.resolve('app/src/models/embedded-registry.ts'))};
      const registry = await openEmbeddedRegistry({ dataDir: process.argv[1] });
      let wins = 0;
      for (;;) {
        const state = await registry.serving();
        if (state.revision >= 31) break;
        if (await registry.setServing({ active: 'p' + (state.revision % 3), canary: null, reason: process.argv[2] }, state.revision)) wins += 1;
      }
      await registry.close();
      process.stdout.write(String(wins));
    `;
    const racers = ['a', 'b', 'c'].map((name) => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child, dataDir, name]));
    const wins = (await Promise.all(racers)).map((result) => Number(result.stdout));
    expect(wins.reduce((sum, n) => sum + n, 0)).toBe(30);
    expect(await registry.serving()).toMatchObject({ revision: 31, active: 'p0' });
  });
});
