import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Koa from 'koa';
import { loadConfig, type Config } from '../../../src/config.js';
import type { DigitPixels } from '../../../src/mnist/geometry.js';
import type { Classification, Classifier } from '../../../src/inference/classifier-types.js';
import { preprocessImage } from '../../../src/preprocess/preprocess.js';
import type { AppState } from '../../../src/http/request-context.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics, type AppMetrics } from '../../../src/metrics.js';
import type { AppDeps, Preprocess } from '../../../src/app-deps.js';
import { createApp } from '../../../src/server.js';
import { openEmbeddedRegistry } from '../../../src/models/embedded-registry.js';
import type { ModelRegistry } from '../../../src/models/model-registry.js';
import { openEmbeddedStore } from '../../../src/store/embedded-store.js';
import type { PredictionStore } from '../../../src/store/prediction-store.js';

/**
 * An in-process app for API tests: real routes, real preprocessing, a real embedded store in
 * a temp dir; only the classifier is a fake (these tests are about HTTP behaviour above it;
 * app/test/api/real-model.test.ts uses the real one).
 */

export interface FakeClassifier extends Classifier {
  /** How many images it was asked to classify. */
  readonly calls: number;
}

export interface FakeClassifierOptions {
  /** The digit every image is given. @default 3 */
  readonly digit?: number;
  /** Resolve after this long (to test timeouts and in-flight shutdown). @default 0 */
  readonly delayMs?: number;
  /** Throw this instead of answering (to test the 500 path). */
  readonly failWith?: Error;
}

/** A classifier that answers `digit` with confidence 0.91 and reports one batch per call. */
export function createFakeClassifier(options: FakeClassifierOptions = {}): FakeClassifier {
  const digit = options.digit ?? 3;
  const listeners: ((batchSize: number, durationMs: number) => void)[] = [];
  let calls = 0;
  return {
    backend: 'fake',
    modelVersion: 'test-model-1',
    get calls() {
      return calls;
    },
    async classify(pixels: DigitPixels): Promise<Classification> {
      calls += 1;
      if (pixels.length !== 784) throw new Error(`expected 784 pixels, got ${pixels.length}`);
      if (options.delayMs) await sleep(options.delayMs);
      if (options.failWith) throw options.failWith;
      const probabilities = Array.from({ length: 10 }, (_, d) => (d === digit ? 0.91 : 0.01));
      for (const listener of listeners) listener(1, 0.5);
      return { digit, confidence: 0.91, probabilities };
    },
    onBatch(listener) {
      listeners.push(listener);
    },
    async dispose() {},
  };
}

export interface TestApp {
  readonly app: Koa<AppState>;
  readonly callback: ReturnType<Koa<AppState>['callback']>;
  readonly config: Config;
  readonly store: PredictionStore;
  /** The embedded registry in the same temp dir (empty: nothing seeded). */
  readonly registry: ModelRegistry;
  readonly metrics: AppMetrics;
  /** Every log line the app wrote, parsed. */
  readonly logLines: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables on top of the defaults (DATA_DIR is a fresh temp dir). */
  readonly env?: Record<string, string>;
  readonly classifier?: Classifier;
  /** Instead of the real preprocessing, e.g. to hold images in the decoder. */
  readonly preprocess?: Preprocess;
  /** Wraps the embedded store, e.g. to make it fail. */
  readonly wrapStore?: (store: PredictionStore) => PredictionStore;
}

/** Builds the app with a fresh store; `close()` closes the store and deletes its directory. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-api-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug', ...options.env });
  const logLines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: config.logLevel,
    destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const realStore = await openEmbeddedStore({ dataDir });
  const store = options.wrapStore ? options.wrapStore(realStore) : realStore;
  const registry = await openEmbeddedRegistry({ dataDir });
  const metrics = createMetrics({ defaultMetrics: true });
  const deps: AppDeps = {
    config,
    store,
    registry,
    classifier: options.classifier ?? createFakeClassifier(),
    preprocess: options.preprocess ?? preprocessImage,
    logger,
    metrics,
  };
  const app = createApp(deps);
  return {
    app,
    callback: app.callback(),
    config,
    store,
    registry,
    metrics,
    logLines,
    async close() {
      await registry.close();
      await realStore.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
