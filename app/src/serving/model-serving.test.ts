import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVersion } from '../../test/fixtures/model-versions.js';
import { createVersionClassifier, type VersionClassifier } from '../../test/fixtures/version-classifier.js';
import { createLogger } from '../logger.js';
import { openEmbeddedRegistry, type EmbeddedModelRegistry } from '../models/embedded-registry.js';
import { startModelServing, type ModelServing } from './model-serving.js';

/** Live stats as the registry receives them, over the real embedded registry; fake models. */
describe('model serving: live stats', () => {
  let dataDir: string;
  let registry: EmbeddedModelRegistry;
  let serving: ModelServing | undefined;
  const models = new Map<string, VersionClassifier>();
  const PIXELS = new Float32Array(784);

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-serving-'));
    registry = await openEmbeddedRegistry({ dataDir });
    for (const version of ['v1', 'v2']) {
      const { card, files } = makeVersion(version, { onnxBytes: 100 });
      await registry.publish(card, files);
      models.set(version, createVersionClassifier(Number(version.slice(1))));
    }
    await registry.setServing({ active: 'v1', canary: { version: 'v2', weight: 0.5 }, reason: 'test' }, 0);
    let draw = 0;
    serving = await startModelServing({
      registry,
      cacheDir: path.join(dataDir, 'models'),
      pollMs: 60_000,
      liveReportMs: 60_000,
      replica: 'pod-a',
      // Canary, active, canary, active...
      random: () => (draw++ % 2 === 0 ? 0 : 0.99),
      logger: createLogger({ level: 'silent' }),
      load: async (modelDir) => models.get(path.basename(modelDir))!,
    });
  });
  afterEach(async () => {
    await serving?.dispose();
    await registry.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("reports each version's predictions, failures and latency as this replica, the last ones on stop", async () => {
    const since = new Date(Date.now() - 1_000);
    for (let i = 0; i < 4; i += 1) await serving!.classifier.classify(PIXELS);
    models.get('v2')!.failWith(new Error('canary model crashed'));
    const answers = await Promise.all(Array.from({ length: 4 }, () => serving!.classifier.classify(PIXELS)));
    // The failed canary calls were answered by the active version.
    expect(answers.filter((a) => a.modelVersion === 'v1')).toHaveLength(4);
    await serving!.stop();

    const [canary] = await registry.liveStats('v2', since);
    expect(canary).toMatchObject({ replica: 'pod-a', version: 'v2', predictions: 4, failures: 2 });
    // Its own half of the eight, and the two the canary could not answer.
    const [active] = await registry.liveStats('v1', since);
    expect(active).toMatchObject({ replica: 'pod-a', version: 'v1', predictions: 6, failures: 0 });
    expect(active!.p99Ms).toBeGreaterThanOrEqual(active!.p50Ms);
  });
});
