import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_BACKENDS, loadConfig } from '../../src/config.js';
import { loadClassifier } from '../../src/inference/classifier.js';
import type { Classifier } from '../../src/inference/classifier-types.js';
import { readMnistTestSet } from '../../src/mnist/mnist-data.js';
import { preprocessImage } from '../../src/preprocess/preprocess.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { createApp } from '../../src/server.js';
import { openEmbeddedRegistry, type EmbeddedModelRegistry } from '../../src/models/embedded-registry.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import type { PredictionStore } from '../../src/store/prediction-store.js';
import { drawDigitPng } from '../fixtures/draw-digit.js';

/**
 * The API with the real model (MODEL_DIR, app/model by default) and real preprocessing:
 * what a user draws, and real MNIST test images, come back as the right digit.
 */
const MNIST_SAMPLE = 300;
const MIN_MNIST_ACCURACY = 0.97;

describe('predictions with the real model', () => {
  let dataDir: string;
  let store: PredictionStore;
  let registry: EmbeddedModelRegistry;
  let classifier: Classifier;
  let callback: ReturnType<ReturnType<typeof createApp>['callback']>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-real-'));
    const config = loadConfig({ ...process.env, DATA_DIR: dataDir, CASSANDRA_CONTACT_POINTS: '' });
    classifier = await loadClassifier({
      modelDir: config.modelDir,
      backend: config.inferenceBackend,
      cpuThreads: config.inferenceCpuThreads,
      maxBatchSize: config.batchMaxSize,
      maxBatchWaitMs: config.batchMaxWaitMs,
    });
    store = await openEmbeddedStore({ dataDir });
    registry = await openEmbeddedRegistry({ dataDir });
    const logger = createLogger({ level: 'silent' });
    callback = createApp({ config, store, registry, classifier, preprocess: preprocessImage, logger, metrics: createMetrics() }).callback();
  });
  afterAll(async () => {
    await registry?.close();
    await store?.close();
    await classifier?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('recognises every digit drawn like a browser canvas (dark strokes, transparent background)', async () => {
    const answers: number[] = [];
    for (let digit = 0; digit < 10; digit += 1) {
      const res = await request(callback).post('/api/predictions?source=canvas').attach('image', await drawDigitPng(digit), 'd.png');
      expect(res.status).toBe(201);
      answers.push(res.body.digit as number);
    }
    expect(answers).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('recognises digits drawn on white paper and as light ink on a dark background', async () => {
    for (const digit of [3, 5, 8]) {
      const paper = await drawDigitPng(digit, { background: { r: 250, g: 250, b: 245 }, ink: { r: 20, g: 30, b: 120 } });
      const dark = await drawDigitPng(digit, { background: { r: 0, g: 0, b: 0 }, ink: { r: 255, g: 255, b: 255 } });
      for (const png of [paper, dark]) {
        const res = await request(callback).post('/api/predictions').set('Content-Type', 'image/png').send(png);
        expect(res.status).toBe(201);
        expect(res.body.digit).toBe(digit);
      }
    }
  });

  it(`gets at least ${MIN_MNIST_ACCURACY * 100}% of ${MNIST_SAMPLE} MNIST test images right through the API`, async () => {
    const { images, labels } = await readMnistTestSet();
    let correct = 0;
    const concurrency = 8;
    for (let start = 0; start < MNIST_SAMPLE; start += concurrency) {
      const batch = Array.from({ length: Math.min(concurrency, MNIST_SAMPLE - start) }, (_, k) => start + k);
      const results = await Promise.all(
        batch.map(async (i) => {
          const png = await sharp(Buffer.from(images[i]!), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
          const res = await request(callback).post('/api/predictions').set('Content-Type', 'image/png').send(png);
          expect(res.status).toBe(201);
          return res.body.digit === labels[i];
        }),
      );
      correct += results.filter(Boolean).length;
    }
    expect(correct / MNIST_SAMPLE).toBeGreaterThanOrEqual(MIN_MNIST_ACCURACY);
  });

  it('reports the loaded model and backend on each prediction', async () => {
    const res = await request(callback).post('/api/predictions').attach('image', await drawDigitPng(1), 'd.png');
    expect(res.body.modelVersion).toBe(classifier.modelVersion);
    expect(res.body.backend).toBe(classifier.backend);
    expect(INFERENCE_BACKENDS).toContain(res.body.backend);
  });
});
