import { access } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertModelDir } from '../../bench/onnx/export-onnx.js';
import { ONNX_INPUT, ONNX_OUTPUT } from '../../bench/onnx/layers-to-onnx.js';
import { loadConfig } from '../../src/config.js';
import { loadClassifier, type LoadedClassifier } from '../../src/inference/classifier.js';
import { IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES } from '../../src/mnist/geometry.js';
import { readMnistTestSet } from '../../src/mnist/mnist-data.js';

/**
 * The onnxruntime reference of `make bench` is only a reference if it computes what the
 * service computes: the committed model, converted, must give the service classifier's
 * probabilities on real MNIST test digits.
 */

const IMAGES = 512;
const TOLERANCE = 1e-4;

describe('ONNX twin of the committed model', () => {
  const modelDir = loadConfig().modelDir;
  let classifier: LoadedClassifier;
  let session: ort.InferenceSession;

  beforeAll(async () => {
    await access(path.join(modelDir, 'model.json')).catch(() => {
      throw new Error(`no model at ${modelDir}: run "make train" first`);
    });
    classifier = await loadClassifier({ modelDir, backend: 'auto', maxBatchSize: 64, maxBatchWaitMs: 1 });
    session = await ort.InferenceSession.create(await convertModelDir(modelDir));
  });

  afterAll(async () => {
    await classifier?.dispose();
    await session?.release();
  });

  it(`gives the service classifier's probabilities (within ${TOLERANCE}) on ${IMAGES} MNIST test digits`, async () => {
    const { images, labels } = await readMnistTestSet();
    const inputs = images.slice(0, IMAGES).map((image) => Float32Array.from(image, (v) => v / 255));
    const expected = await Promise.all(inputs.map((pixels) => classifier.classify(pixels)));

    const flat = new Float32Array(IMAGES * IMAGE_PIXELS);
    inputs.forEach((pixels, i) => flat.set(pixels, i * IMAGE_PIXELS));
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', flat, [IMAGES, IMAGE_SIZE, IMAGE_SIZE, 1]) });
    const probs = out[ONNX_OUTPUT]!.data as Float32Array;

    let maxDiff = 0;
    let agreements = 0;
    let correct = 0;
    expected.forEach((c, i) => {
      const row = Array.from(probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES));
      row.forEach((p, d) => (maxDiff = Math.max(maxDiff, Math.abs(p - c.probabilities[d]!))));
      const digit = row.indexOf(Math.max(...row));
      if (digit === c.digit) agreements++;
      if (digit === labels[i]) correct++;
    });
    expect(maxDiff).toBeLessThan(TOLERANCE);
    expect(agreements).toBe(IMAGES);
    // A trained model, not noise: the comparison above is between confident answers.
    expect(correct / IMAGES).toBeGreaterThan(0.9);
  });
});
