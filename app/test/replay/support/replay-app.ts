import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config.js';
import { loadClassifier, type LoadedClassifier } from '../../../src/inference/classifier.js';
import { preprocessImage } from '../../../src/preprocess/preprocess.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { createApp } from '../../../src/server.js';
import { openEmbeddedRegistry } from '../../../src/models/embedded-registry.js';
import { openEmbeddedStore } from '../../../src/store/embedded-store.js';
import type { PredictionStore } from '../../../src/store/prediction-store.js';
import { overrideStore } from '../../fixtures/store-override.js';

/**
 * The real service on loopback for replay tests: real routes, real preprocessing, the real
 * classifier on the committed model (MODEL_DIR overrides, as for the service), the real
 * embedded store in a temp dir. Only `wrapStore` may put a fault in front of the store.
 */

export interface ReplayApp {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly classifier: LoadedClassifier;
  readonly store: PredictionStore;
  close(): Promise<void>;
}

export interface ReplayAppOptions {
  readonly wrapStore?: (store: PredictionStore) => PredictionStore;
  /** A classifier already loaded (loading one takes seconds): shared by several apps. */
  readonly classifier?: LoadedClassifier;
}

/** The model the service would load; fails with the reason when it is not there. */
export async function loadServiceClassifier(): Promise<LoadedClassifier> {
  const config = loadConfig(process.env);
  if (!existsSync(path.join(config.modelDir, 'model.json'))) {
    throw new Error(`no trained model in ${config.modelDir}: run "make train" (or set MODEL_DIR)`);
  }
  return loadClassifier({
    modelDir: config.modelDir,
    backend: config.inferenceBackend,
    cpuThreads: config.inferenceCpuThreads,
    maxBatchSize: config.batchMaxSize,
    maxBatchWaitMs: config.batchMaxWaitMs,
  });
}

export async function startReplayApp(options: ReplayAppOptions = {}): Promise<ReplayApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-replay-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0' });
  const classifier = options.classifier ?? (await loadServiceClassifier());
  const realStore = await openEmbeddedStore({ dataDir });
  const store = options.wrapStore ? options.wrapStore(realStore) : realStore;
  const registry = await openEmbeddedRegistry({ dataDir });
  const app = createApp({
    config,
    store,
    registry,
    classifier,
    preprocess: preprocessImage,
    logger: createLogger({ level: 'warn', destination: { write: () => undefined } }),
    metrics: createMetrics({ defaultMetrics: false }),
  });
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    classifier,
    store,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await registry.close();
      await realStore.close();
      if (options.classifier === undefined) await classifier.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A store that acknowledges every `dropEvery`-th record without keeping it: records lost. */
export function droppingStore(store: PredictionStore, dropEvery: number): PredictionStore {
  let n = 0;
  return overrideStore(store, {
    async record(prediction) {
      n += 1;
      if (n % dropEvery === 0) return;
      await store.record(prediction);
    },
  });
}
