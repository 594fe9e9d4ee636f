import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../config.js';
import { readModelCard } from '../model/model-card.js';
import { openEmbeddedRegistry, type EmbeddedModelRegistry } from './embedded-registry.js';
import { sha256Hex } from './model-files.js';
import { seedRegistry } from './seed-registry.js';
import { makeVersion } from '../../test/fixtures/model-versions.js';

/** The committed model, as the service ships it. */
const MODEL_DIR = path.join(PROJECT_ROOT, 'app', 'model');

describe('seeding an empty registry with the committed model', () => {
  let dataDir: string;
  let registry: EmbeddedModelRegistry;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-seed-'));
    registry = await openEmbeddedRegistry({ dataDir });
  });
  afterEach(async () => {
    await registry.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes app/model with a card built from its model card and makes it active', async () => {
    const trained = await readModelCard(MODEL_DIR);
    expect(await seedRegistry(registry, MODEL_DIR)).toEqual({ active: trained.version, published: true, activated: true });
    const card = await registry.get(trained.version);
    expect(card).toMatchObject({
      version: trained.version,
      parent: null,
      createdAt: trained.createdAt,
      data: { mnistExamples: trained.trainExamples, corrections: 0, heldOutCorrections: 0 },
      seed: trained.seed,
      epochs: trained.epochs,
      mnistTestAccuracy: trained.testAccuracy,
      heldOutCorrectionAccuracy: null,
    });
    for (const name of ['model.onnx', 'model.json', 'weights.bin', 'model-card.json']) {
      expect(card?.files[name]).toBe(sha256Hex(readFileSync(path.join(MODEL_DIR, name))));
    }
    const files = await registry.files(trained.version);
    expect(Buffer.from(files.get('model.onnx')!).equals(readFileSync(path.join(MODEL_DIR, 'model.onnx')))).toBe(true);
    expect(await registry.serving()).toMatchObject({ active: trained.version, canary: null, revision: 1 });
    expect((await registry.decisions(trained.version)).map((d) => d.kind)).toEqual(['activated', 'published']);
  });

  it('leaves a registry that already serves something alone', async () => {
    const other = makeVersion('2026-12-04-ft-abc', { onnxBytes: 10 });
    await registry.publish(other.card, other.files);
    await registry.setServing({ active: other.card.version, canary: null, reason: 'by hand' }, 0);
    expect(await seedRegistry(registry, MODEL_DIR)).toEqual({ active: other.card.version, published: false, activated: false });
    expect((await registry.list()).map((c) => c.version)).toEqual([other.card.version]);
  });

  it('activates once when replicas seed at the same time', async () => {
    const replicas = [registry, await openEmbeddedRegistry({ dataDir }), await openEmbeddedRegistry({ dataDir })];
    const results = await Promise.all(replicas.map((r) => seedRegistry(r, MODEL_DIR)));
    expect(results.filter((r) => r.activated)).toHaveLength(1);
    expect(new Set(results.map((r) => r.active)).size).toBe(1);
    expect(await registry.serving()).toMatchObject({ revision: 1 });
    expect((await registry.decisions()).filter((d) => d.kind === 'activated')).toHaveLength(1);
    await Promise.all(replicas.slice(1).map((r) => r.close()));
  });
});
