import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVersion } from '../../test/fixtures/model-versions.js';
import { createVersionClassifier, type VersionClassifier } from '../../test/fixtures/version-classifier.js';
import { createLogger } from '../logger.js';
import { openEmbeddedRegistry, type EmbeddedModelRegistry } from '../models/embedded-registry.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { ModelSwitcher } from './model-switcher.js';

/**
 * The switcher over the real embedded registry and the real model cache; only the models are
 * fake (a digit per version: v1 answers 1, v2 answers 2...), loaded from the cached directory.
 */
describe('the model switcher', () => {
  let dataDir: string;
  let registry: EmbeddedModelRegistry;
  let switcher: ModelSwitcher | undefined;
  let logLines: Record<string, unknown>[];
  const loaded: { version: string; classifier: VersionClassifier }[] = [];
  const broken = new Set<string>();
  const PIXELS = new Float32Array(784);
  let clockMs = 0;

  const start = (over: ModelRegistry = registry): Promise<ModelSwitcher> =>
    ModelSwitcher.start({
      registry: over,
      cacheDir: path.join(dataDir, 'models'),
      pollMs: 60_000,
      random: () => 0,
      now: () => clockMs,
      logger: createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } }),
      async load(modelDir) {
        const version = path.basename(modelDir);
        if (!existsSync(path.join(modelDir, 'model.onnx'))) throw new Error(`${modelDir} has no model.onnx`);
        if (broken.has(version)) throw new Error(`${version}: corrupt protobuf`);
        const classifier = createVersionClassifier(Number(version.slice(1)));
        loaded.push({ version, classifier });
        return classifier;
      },
    });
  const publish = async (version: string): Promise<void> => {
    const { card, files } = makeVersion(version, { onnxBytes: 1000 });
    await registry.publish(card, files);
  };
  const serve = async (active: string, canary: { version: string; weight: number } | null = null): Promise<void> => {
    const state = await registry.serving();
    expect(await registry.setServing({ active, canary, reason: 'test' }, state?.revision ?? 0)).toBe(true);
  };
  const answeredBy = async (): Promise<string | undefined> => (await switcher!.router.classify(PIXELS)).modelVersion;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-switcher-'));
    registry = await openEmbeddedRegistry({ dataDir });
    logLines = [];
    loaded.length = 0;
    broken.clear();
    for (const v of ['v1', 'v2', 'v3']) await publish(v);
    await serve('v1');
  });
  afterEach(async () => {
    await switcher?.stop();
    await switcher?.router.dispose();
    switcher = undefined;
    await registry.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the active version from its files in the cache, and refuses to start on an empty registry', async () => {
    switcher = await start();
    expect(await answeredBy()).toBe('v1');
    expect(existsSync(path.join(dataDir, 'models', 'v1', 'model-card.json'))).toBe(true);
    expect(switcher.status()).toMatchObject({ active: 'v1', canary: null, revision: 1, wantedRevision: 1, pending: null });

    const emptyDir = mkdtempSync(path.join(tmpdir(), 'mnist-switcher-empty-'));
    const empty = await openEmbeddedRegistry({ dataDir: emptyDir });
    await expect(start(empty)).rejects.toThrow(/no active version/);
    await empty.close();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('switches to a new active version on the next poll and disposes the old one', async () => {
    switcher = await start();
    await serve('v2');
    await switcher.refresh();
    expect(await answeredBy()).toBe('v2');
    expect(switcher.status()).toMatchObject({ active: 'v2', revision: 2, pending: null });
    await expect.poll(() => loaded.find((l) => l.version === 'v1')!.classifier.disposals).toBe(1);
    expect(logLines.some((l) => l.msg === 'model serving switched' && l.active === 'v2')).toBe(true);
  });

  it('adds a canary with its share, and promoting it reuses the loaded model', async () => {
    switcher = await start();
    await serve('v1', { version: 'v2', weight: 0.1 });
    await switcher.refresh();
    expect(switcher.status().canary).toEqual({ version: 'v2', weight: 0.1 });
    expect(await answeredBy()).toBe('v2'); // random() = 0: always below the weight

    await serve('v2');
    await switcher.refresh();
    expect(switcher.status()).toMatchObject({ active: 'v2', canary: null, revision: 3 });
    expect(loaded.map((l) => l.version)).toEqual(['v1', 'v2']);
  });

  it('keeps serving the previous version when the new one fails to load, and loads it on a later poll', async () => {
    switcher = await start();
    broken.add('v3');
    await serve('v3');
    await switcher.refresh();
    expect(await answeredBy()).toBe('v1');
    expect(switcher.status()).toMatchObject({ active: 'v1', revision: 1, wantedRevision: 2 });
    expect(switcher.status().pending).toMatch(/v3: corrupt protobuf/);
    expect(logLines.some((l) => l.msg === 'model version failed to load: the previous one keeps serving' && l.version === 'v3')).toBe(true);

    broken.delete('v3');
    await switcher.refresh(); // within the pause after a failure: not tried again yet
    expect(switcher.status().active).toBe('v1');
    clockMs += 60_000; // the pause after a first failure: one MODEL_POLL_MS
    await switcher.refresh();
    expect(switcher.status()).toMatchObject({ active: 'v3', revision: 2, pending: null });
    expect(await answeredBy()).toBe('v3');
  });

  it('serves the new active alone when only its canary fails to load', async () => {
    switcher = await start();
    broken.add('v3');
    await serve('v2', { version: 'v3', weight: 0.5 });
    await switcher.refresh();
    expect(switcher.status()).toMatchObject({ active: 'v2', canary: null, revision: 2 });
    expect(switcher.status().pending).toMatch(/v3/);
    expect(await answeredBy()).toBe('v2');
  });

  it('keeps serving while the registry is unreachable, saying so once', async () => {
    let down = false;
    const flaky: ModelRegistry = Object.assign(Object.create(registry) as ModelRegistry, {
      serving: () => (down ? Promise.reject(new Error('connection refused')) : registry.serving()),
    });
    switcher = await start(flaky);
    down = true;
    await switcher.refresh();
    await switcher.refresh();
    expect(await answeredBy()).toBe('v1');
    expect(logLines.filter((l) => l.msg === 'model registry unreachable: serving what is loaded')).toHaveLength(1);
    down = false;
    await serve('v2');
    await switcher.refresh();
    expect(await answeredBy()).toBe('v2');
  });

  it('keeps its cache to what serves and the two versions used last, however many versions pass through', async () => {
    for (const v of ['v4', 'v5', 'v6']) await publish(v);
    switcher = await start();
    for (const v of ['v2', 'v3', 'v4', 'v5', 'v6']) {
      await serve(v);
      await switcher.refresh();
      expect(await answeredBy()).toBe(v);
    }
    expect(readdirSync(path.join(dataDir, 'models')).sort()).toEqual(['v4', 'v5', 'v6']);
    expect(logLines.filter((l) => l.msg === 'model cache pruned').flatMap((l) => l.removed as string[]).sort()).toEqual(['v1', 'v2', 'v3']);
  });

  it('disposes every model once stopped', async () => {
    switcher = await start();
    await serve('v1', { version: 'v2', weight: 0.5 });
    await switcher.refresh();
    await switcher.stop();
    await switcher.router.dispose();
    switcher = undefined;
    expect(loaded.map((l) => l.classifier.disposals)).toEqual([1, 1]);
  });

  it('loads a pinned version through the cache, and routes that same model when it becomes the canary', async () => {
    switcher = await start();
    const pinned = await switcher.router.callPinned('v3', (c) => c.classify(PIXELS));
    expect(pinned.digit).toBe(3);
    expect(existsSync(path.join(dataDir, 'models', 'v3', 'model-card.json'))).toBe(true);
    await expect(switcher.router.preparePinned('v9')).rejects.toThrow('no model version v9 in the registry');

    await serve('v1', { version: 'v3', weight: 0.5 });
    await switcher.refresh();
    expect(switcher.status()).toMatchObject({ active: 'v1', canary: { version: 'v3', weight: 0.5 }, pending: null });
    // The pinned model was handed over: v3 was loaded once.
    expect(loaded.filter((l) => l.version === 'v3')).toHaveLength(1);
    expect(await answeredBy()).toBe('v3');
  });
});
