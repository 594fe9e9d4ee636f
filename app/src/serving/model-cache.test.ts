import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVersion, type TestVersion } from '../../test/fixtures/model-versions.js';
import { openEmbeddedRegistry, type EmbeddedModelRegistry } from '../models/embedded-registry.js';
import { ModelNotFoundError, type ModelRegistry } from '../models/model-registry.js';
import { cacheModelVersion } from './model-cache.js';

describe('the model cache', () => {
  let dataDir: string;
  let cacheDir: string;
  let registry: EmbeddedModelRegistry;
  let version: TestVersion;
  let fetches: number;
  let counting: ModelRegistry;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-cache-'));
    cacheDir = path.join(dataDir, 'models');
    registry = await openEmbeddedRegistry({ dataDir });
    version = makeVersion('v1', { onnxBytes: 5000 });
    await registry.publish(version.card, version.files);
    fetches = 0;
    counting = Object.assign(Object.create(registry) as ModelRegistry, {
      files: (v: string) => {
        fetches += 1;
        return registry.files(v);
      },
    });
  });
  afterEach(async () => {
    await registry.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("writes a version's files into its own directory, and reuses them while their checksums match", async () => {
    const dir = await cacheModelVersion(counting, 'v1', cacheDir);
    expect(dir).toBe(path.join(cacheDir, 'v1'));
    expect(new Uint8Array(readFileSync(path.join(dir, 'model.onnx')))).toEqual(version.files.get('model.onnx'));
    await cacheModelVersion(counting, 'v1', cacheDir);
    expect(fetches).toBe(1);
    expect(readdirSync(cacheDir)).toEqual(['v1']); // no temporary directory left behind
  });

  it('fetches again when a cached file is torn or missing', async () => {
    const dir = await cacheModelVersion(counting, 'v1', cacheDir);
    writeFileSync(path.join(dir, 'model.onnx'), 'half a file');
    await cacheModelVersion(counting, 'v1', cacheDir);
    expect(new Uint8Array(readFileSync(path.join(dir, 'model.onnx')))).toEqual(version.files.get('model.onnx'));
    rmSync(path.join(dir, 'model-card.json'));
    await cacheModelVersion(counting, 'v1', cacheDir);
    expect(fetches).toBe(3);
    expect(readdirSync(cacheDir)).toEqual(['v1']);
  });

  it('refuses a version the registry does not have, or one that is not a safe directory name', async () => {
    await expect(cacheModelVersion(registry, 'v9', cacheDir)).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(cacheModelVersion(registry, '../v1', cacheDir)).rejects.toThrow(/not a safe name/);
  });
});
