import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawDigitPng } from '../../test/fixtures/draw-digit.js';
import { preprocessImage } from '../preprocess/preprocess.js';
import { loadConfig, PROJECT_ROOT } from '../config.js';
import { UnavailableError } from '../errors.js';
import { loadClassifier, type LoadedClassifier } from './classifier.js';
import { IMAGE_PIXELS } from '../mnist/geometry.js';
import { readMnistTestSet, type MnistSet } from '../mnist/mnist-data.js';
import { readModelCard } from '../model/model-card.js';

const MODEL_DIR = path.join(PROJECT_ROOT, 'app/model');

function toPixels(image: Uint8Array): Float32Array {
  return Float32Array.from(image, (v) => v / 255);
}

const CASES = [
  ['worker', 'onnxruntime'],
  ['main', 'onnxruntime'],
  ['worker', 'wasm'],
  ['main', 'wasm'],
] as const;

describe.each(CASES)('the classifier with the committed model, inference on the %s thread, on %s', (inferenceThread, backend) => {
  let classifier: LoadedClassifier;
  let test: MnistSet;
  const batchSizes: number[] = [];

  beforeAll(async () => {
    classifier = await loadClassifier({ modelDir: MODEL_DIR, backend, maxBatchSize: 16, maxBatchWaitMs: 2, inferenceThread });
    classifier.onBatch((size) => batchSizes.push(size));
    test = await readMnistTestSet();
  });
  afterAll(async () => {
    await classifier.dispose();
  });

  it('reports its backend and the model version from the model card', async () => {
    expect(classifier.backend).toBe(backend);
    expect(classifier.modelVersion).toBe((await readModelCard(MODEL_DIR)).version);
    expect(classifier.inferenceThread).toBe(inferenceThread);
    expect(classifier.health()).toMatchObject({ ok: true, detail: expect.stringContaining(inferenceThread === 'worker' ? 'inference worker' : 'main thread') });
  });

  it('recognises the first 50 MNIST test digits (at most one miss)', async () => {
    const results = await Promise.all(test.images.slice(0, 50).map((image) => classifier.classify(toPixels(image))));
    const correct = results.filter((r, i) => r.digit === test.labels[i]).length;
    expect(correct).toBeGreaterThanOrEqual(49);
    for (const r of results) {
      expect(r.probabilities).toHaveLength(10);
      expect(r.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(r.confidence).toBe(Math.max(...r.probabilities));
      expect(r.probabilities[r.digit]).toBe(r.confidence);
    }
  });

  it('batches concurrent calls up to maxBatchSize and gives each caller its own answer', async () => {
    batchSizes.length = 0;
    const images = test.images.slice(100, 164);
    const batched = await Promise.all(images.map((image) => classifier.classify(toPixels(image))));
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(64);
    expect(Math.max(...batchSizes)).toBe(16);
    // The same images one at a time: same digits, same probabilities (up to float rounding).
    for (let i = 0; i < images.length; i += 9) {
      const alone = await classifier.classify(toPixels(images[i]!));
      expect(alone.digit).toBe(batched[i]!.digit);
      alone.probabilities.forEach((p, d) => expect(p).toBeCloseTo(batched[i]!.probabilities[d]!, 5));
    }
  });

  // Only this thread's TF.js can be inspected; the worker runs the very same predict code.
  if (inferenceThread === 'main' && backend === 'wasm') {
    it('keeps the number of tensors flat across many calls', async () => {
      await classifier.classify(toPixels(test.images[0]!));
      const before = tf.memory().numTensors;
      await Promise.all(test.images.slice(200, 300).map((image) => classifier.classify(toPixels(image))));
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('recognises uploads in its worker thread, and leaves preprocessing to the caller on the main thread', async () => {
    if (inferenceThread === 'main') {
      expect(classifier.recognise).toBeUndefined();
      return;
    }
    batchSizes.length = 0;
    const limits = loadConfig({});
    const answers = await Promise.all([5, 2, 8].map(async (digit) => classifier.recognise!(await drawDigitPng(digit), limits)));
    expect(answers.map((a) => a.classification.digit)).toEqual([5, 2, 8]);
    // The same answer as preprocessing here and classifying the pixels.
    const here = await preprocessImage(await drawDigitPng(2), limits);
    expect(Buffer.compare(Buffer.from(answers[1]!.input), Buffer.from(here.input))).toBe(0);
    expect((await classifier.classify(here.pixels)).probabilities[2]).toBeCloseTo(answers[1]!.classification.confidence, 5);
    // The worker's batches reach onBatch listeners here.
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
  });

  it('refuses an input that is not 784 pixels', async () => {
    await expect(classifier.classify(new Float32Array(IMAGE_PIXELS - 1))).rejects.toThrow(/784 pixels/);
  });

  it('answers calls made after dispose with UnavailableError', async () => {
    const other = await loadClassifier({ modelDir: MODEL_DIR, backend, maxBatchSize: 4, maxBatchWaitMs: 0, warmupBatchSizes: [], inferenceThread });
    await other.dispose();
    await expect(other.classify(new Float32Array(IMAGE_PIXELS))).rejects.toBeInstanceOf(UnavailableError);
    expect(other.health()).toEqual({ ok: false, detail: 'the classifier is shut down' });
  });

  it('fails to load, naming the file, when the directory has no model card', async () => {
    await expect(
      loadClassifier({ modelDir: path.join(PROJECT_ROOT, 'app/src'), backend, maxBatchSize: 4, maxBatchWaitMs: 0, inferenceThread }),
    ).rejects.toThrow(/model-card\.json/);
  });
});
