import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_BACKENDS, loadConfig, type InferenceBackendName } from '../../src/config.js';
import { BackendUnavailableError } from '../../src/errors.js';
import { loadClassifier } from '../../src/inference/classifier.js';
import { IMAGE_PIXELS, NUM_CLASSES } from '../../src/mnist/geometry.js';
import { readMnistTestSet, type MnistSet } from '../../src/mnist/mnist-data.js';
import { readModelCard } from '../../src/model/model-card.js';

/**
 * Every inference backend that starts here serves the same model: on all 10,000 MNIST test
 * images, each gives the same digit as every other and probabilities within 1e-4. Each runs
 * through the service's own classifier (loading, worker thread, dynamic batching), so what is
 * compared is what a request would get. A backend that cannot start here (tfjs-node without
 * internet) is named in the test's output, never silently passed.
 */

const TOLERANCE = 1e-4;

interface BackendRun {
  readonly backend: InferenceBackendName;
  readonly digits: Uint8Array;
  readonly probabilities: Float32Array;
}

async function classifyAll(backend: InferenceBackendName, test: MnistSet): Promise<BackendRun | string> {
  const config = loadConfig();
  let classifier;
  try {
    classifier = await loadClassifier({ modelDir: config.modelDir, backend, maxBatchSize: 128, maxBatchWaitMs: 1 });
  } catch (error) {
    if (error instanceof BackendUnavailableError) return error.message;
    throw error;
  }
  try {
    const n = test.images.length;
    const digits = new Uint8Array(n);
    const probabilities = new Float32Array(n * NUM_CLASSES);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        const i = next++;
        const pixels = new Float32Array(IMAGE_PIXELS);
        test.images[i]!.forEach((v, p) => (pixels[p] = v / 255));
        const result = await classifier.classify(pixels);
        digits[i] = result.digit;
        probabilities.set(result.probabilities, i * NUM_CLASSES);
      }
    };
    await Promise.all(Array.from({ length: 256 }, worker));
    return { backend, digits, probabilities };
  } finally {
    await classifier.dispose();
  }
}

describe('every inference backend on all 10,000 MNIST test images', () => {
  let test: MnistSet;
  const runs: BackendRun[] = [];
  const unavailable: string[] = [];

  beforeAll(async () => {
    test = await readMnistTestSet();
    for (const backend of INFERENCE_BACKENDS) {
      const run = await classifyAll(backend, test);
      if (typeof run === 'string') unavailable.push(run);
      else runs.push(run);
    }
    if (unavailable.length > 0) process.stderr.write(`backend parity: not available here: ${unavailable.join('; ')}\n`);
  });
  afterAll(() => {
    runs.length = 0;
  });

  it('runs at least onnxruntime and the wasm fallback', () => {
    expect(runs.map((r) => r.backend)).toEqual(expect.arrayContaining(['onnxruntime', 'wasm']));
  });

  it(`gives the same digit and probabilities within ${TOLERANCE} on every backend`, () => {
    const [reference, ...others] = runs;
    for (const other of others) {
      let maxDiff = 0;
      let disagreements = 0;
      for (let i = 0; i < test.images.length; i++) {
        if (other.digits[i] !== reference!.digits[i]) disagreements++;
        for (let d = 0; d < NUM_CLASSES; d++) {
          maxDiff = Math.max(maxDiff, Math.abs(other.probabilities[i * NUM_CLASSES + d]! - reference!.probabilities[i * NUM_CLASSES + d]!));
        }
      }
      expect(disagreements, `digits ${other.backend} gives unlike ${reference!.backend}`).toBe(0);
      expect(maxDiff, `largest probability difference, ${other.backend} vs ${reference!.backend}`).toBeLessThan(TOLERANCE);
    }
  });

  it('is the trained model on every backend: the test accuracy its model card records', async () => {
    const { testAccuracy } = await readModelCard(loadConfig().modelDir);
    for (const run of runs) {
      const correct = run.digits.reduce((sum, digit, i) => sum + (digit === test.labels[i] ? 1 : 0), 0);
      expect(correct / test.images.length, `accuracy on ${run.backend}`).toBe(testAccuracy);
    }
  });
});
