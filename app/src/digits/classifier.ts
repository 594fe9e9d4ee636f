import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../config.js';
import { selectBackend } from './backend.js';
import { Batcher, type BatchListener } from './batcher.js';
import { IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES, type Classification, type Classifier, type DigitPixels } from './digit.js';
import { readModelCard } from './model-card.js';
import { loadModel } from './model-io.js';

/**
 * The classifier the service (and `mnist evaluate`) uses: the committed model, loaded once,
 * behind the dynamic batcher. One model call serves every request that queued while the
 * previous call ran, so throughput grows with concurrency.
 */

export interface ClassifierOptions {
  /** Directory with model.json, weights.bin and model-card.json. */
  readonly modelDir: string;
  readonly backend: BackendChoice;
  /** Largest batch one model call takes. */
  readonly maxBatchSize: number;
  /** Longest a request waits for a partial batch to fill. */
  readonly maxBatchWaitMs: number;
  /** Warm-up batch sizes run before the classifier is returned. @default [1, min(maxBatchSize, 32)] */
  readonly warmupBatchSizes?: readonly number[];
}

/** A Classifier that also says why preferred backends were skipped (for the start-up log). */
export interface LoadedClassifier extends Classifier {
  readonly backendFallbacks: readonly string[];
}

function checkShape(model: tf.LayersModel): void {
  const input = JSON.stringify(model.inputs[0]?.shape);
  const output = JSON.stringify(model.outputs[0]?.shape);
  if (input !== JSON.stringify([null, IMAGE_SIZE, IMAGE_SIZE, 1]) || output !== JSON.stringify([null, NUM_CLASSES])) {
    throw new Error(`model takes ${input} and gives ${output}; expected [null,28,28,1] -> [null,10]`);
  }
}

/** Runs the model on a batch; tensors are freed before returning so memory stays flat. */
async function predictBatch(model: tf.LayersModel, inputs: readonly DigitPixels[]): Promise<Classification[]> {
  const n = inputs.length;
  const flat = new Float32Array(n * IMAGE_PIXELS);
  inputs.forEach((pixels, i) => flat.set(pixels, i * IMAGE_PIXELS));
  const probsT = tf.tidy(() => model.predict(tf.tensor4d(flat, [n, IMAGE_SIZE, IMAGE_SIZE, 1])) as tf.Tensor2D);
  let probs: Float32Array;
  try {
    probs = (await probsT.data()) as Float32Array;
  } finally {
    probsT.dispose();
  }
  return inputs.map((_, i) => {
    const probabilities = Array.from(probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES));
    let digit = 0;
    for (let d = 1; d < NUM_CLASSES; d++) if (probabilities[d]! > probabilities[digit]!) digit = d;
    return { digit, confidence: probabilities[digit]!, probabilities };
  });
}

/**
 * Selects the backend, loads the model and its card, warms up, and returns the batching
 * classifier. Throws when the model or card is missing or malformed.
 */
export async function loadClassifier(options: ClassifierOptions): Promise<LoadedClassifier> {
  const selection = await selectBackend(options.backend);
  const card = await readModelCard(options.modelDir);
  const model = await loadModel(options.modelDir);
  checkShape(model);
  const warmups = options.warmupBatchSizes ?? [1, Math.min(options.maxBatchSize, 32)];
  for (const size of warmups) await predictBatch(model, Array.from({ length: size }, () => new Float32Array(IMAGE_PIXELS)));

  const batcher = new Batcher<DigitPixels, Classification>({
    runBatch: (inputs) => predictBatch(model, inputs),
    maxBatchSize: options.maxBatchSize,
    maxBatchWaitMs: options.maxBatchWaitMs,
  });
  let disposed = false;
  return {
    backend: selection.name,
    backendFallbacks: selection.fallbacks,
    modelVersion: card.version,
    classify(pixels: DigitPixels): Promise<Classification> {
      if (pixels.length !== IMAGE_PIXELS) {
        return Promise.reject(new RangeError(`a digit has ${IMAGE_PIXELS} pixels, got ${pixels.length}`));
      }
      return batcher.submit(pixels);
    },
    onBatch(listener: BatchListener): void {
      batcher.onBatch(listener);
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await batcher.dispose();
      model.dispose();
    },
  };
}
