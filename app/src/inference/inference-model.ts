import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../config.js';
import { selectBackend, type BackendName } from '../model/backend.js';
import { IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES } from '../mnist/geometry.js';
import type { ClassifierHealth } from './classifier-types.js';
import { readModelCard } from '../model/model-card.js';
import { loadModel } from '../model/model-io.js';

/**
 * The committed model, loaded and warmed up, as a function from a batch of flat pixels to a
 * batch of flat probabilities. It runs wherever it is loaded: on the main thread, or inside
 * the inference worker (inference-worker.ts), which is why it speaks only in typed arrays.
 */

export interface InferenceModelOptions {
  /** Directory with model.json, weights.bin and model-card.json. */
  readonly modelDir: string;
  readonly backend: BackendChoice;
  /** Batch sizes run once before the model counts as loaded (first calls compile kernels). */
  readonly warmupBatchSizes: readonly number[];
}

export interface InferenceModel {
  /** The TF.js backend this thread selected. */
  readonly backend: BackendName;
  /** Why preferred backends were skipped (empty when the first choice worked). */
  readonly backendFallbacks: readonly string[];
  /** From the model card. */
  readonly modelVersion: string;
  /**
   * Softmax probabilities for `count` images laid end to end in `pixels` (count * 784 floats):
   * count * 10 floats, image i at [i * 10, i * 10 + 10).
   */
  predict(pixels: Float32Array, count: number): Promise<Float32Array>;
  dispose(): void;
}

/** A model the classifier can batch into, wherever it runs (this thread or a worker). */
export interface InferenceEngine extends Pick<InferenceModel, 'backendFallbacks' | 'modelVersion' | 'predict'> {
  /** The backend the model runs on (a worker reports the one it selected). */
  readonly backend: string;
  health(): ClassifierHealth;
  dispose(): Promise<void>;
}

function checkShape(model: tf.LayersModel): void {
  const input = JSON.stringify(model.inputs[0]?.shape);
  const output = JSON.stringify(model.outputs[0]?.shape);
  if (input !== JSON.stringify([null, IMAGE_SIZE, IMAGE_SIZE, 1]) || output !== JSON.stringify([null, NUM_CLASSES])) {
    throw new Error(`model takes ${input} and gives ${output}; expected [null,28,28,1] -> [null,10]`);
  }
}

/** Runs the model on a batch; tensors are freed before returning so memory stays flat. */
async function predictBatch(model: tf.LayersModel, pixels: Float32Array, count: number): Promise<Float32Array> {
  if (!Number.isInteger(count) || count < 1 || pixels.length !== count * IMAGE_PIXELS) {
    throw new RangeError(`a batch of ${count} images needs ${count * IMAGE_PIXELS} pixels, got ${pixels.length}`);
  }
  const probsT = tf.tidy(() => model.predict(tf.tensor4d(pixels, [count, IMAGE_SIZE, IMAGE_SIZE, 1])) as tf.Tensor2D);
  try {
    return (await probsT.data()) as Float32Array;
  } finally {
    probsT.dispose();
  }
}

/**
 * Selects the backend (tensorflow -> wasm -> cpu for `auto`), reads the model card, loads and
 * checks the model, and runs the warm-up batches. Throws when the model or card is missing or
 * malformed, or when an explicitly chosen backend cannot start.
 */
export async function loadInferenceModel(options: InferenceModelOptions): Promise<InferenceModel> {
  const selection = await selectBackend(options.backend);
  const card = await readModelCard(options.modelDir);
  const model = await loadModel(options.modelDir);
  try {
    checkShape(model);
    for (const size of options.warmupBatchSizes) await predictBatch(model, new Float32Array(size * IMAGE_PIXELS), size);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return {
    backend: selection.name,
    backendFallbacks: selection.fallbacks,
    modelVersion: card.version,
    predict: (pixels, count) => predictBatch(model, pixels, count),
    dispose: () => model.dispose(),
  };
}
