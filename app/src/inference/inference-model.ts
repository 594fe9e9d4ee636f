import { TFJS_BACKENDS, type InferenceBackendChoice, type InferenceBackendName } from '../config.js';
import { IMAGE_PIXELS } from '../mnist/geometry.js';
import { BackendUnavailableError, errorSummary } from '../errors.js';
import { readModelCard } from '../model/model-card.js';
import type { PreprocessLimits } from '../preprocess/preprocess.js';
import type { ClassifierHealth } from './classifier-types.js';
import { loadOnnxModel } from './onnx-model.js';
import { loadTfjsModel } from './tfjs-model.js';

/**
 * The committed model, loaded and warmed up, as a function from a batch of flat pixels to a
 * batch of flat probabilities, on the fastest backend that starts here: onnxruntime-node on
 * model.onnx, else TF.js (tfjs-node, wasm, cpu) on model.json. It runs wherever it is loaded: on
 * the main thread, or inside the inference worker (inference-worker.ts), which is why it speaks
 * only in typed arrays.
 */

/** The setting that chooses the backend, named when an explicit choice cannot start. */
export const BACKEND_SETTING = 'INFERENCE_BACKEND';

export interface InferenceModelOptions {
  /** Directory with model.onnx, model.json, weights.bin and model-card.json. */
  readonly modelDir: string;
  readonly backend: InferenceBackendChoice;
  /** onnxruntime's threads per batch; 0 = one per core. @default 0 */
  readonly cpuThreads?: number;
  /** Batch sizes run once before the model counts as loaded (first calls compile kernels). */
  readonly warmupBatchSizes: readonly number[];
}

/** One backend with the model loaded on it (onnx-model.ts, tfjs-model.ts). */
export interface LoadedRuntime<B extends InferenceBackendName = InferenceBackendName> {
  readonly backend: B;
  /** Why faster backends were skipped on the way to this one. */
  readonly fallbacks: readonly string[];
  /** count * 10 probabilities for `count` images laid end to end in `pixels`. */
  predict(pixels: Float32Array, count: number): Promise<Float32Array>;
  dispose(): void;
}

export interface InferenceModel {
  /** The backend this thread selected. */
  readonly backend: InferenceBackendName;
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

/** A recognised upload as the worker sends it: the 28x28 input and the ten probabilities. */
export interface RawRecognition {
  readonly input: Uint8Array;
  readonly probabilities: Float32Array;
}

/** A model the classifier can batch into, wherever it runs (this thread or a worker). */
export interface InferenceEngine extends Pick<InferenceModel, 'backendFallbacks' | 'modelVersion' | 'predict'> {
  /** The backend the model runs on (a worker reports the one it selected). */
  readonly backend: string;
  /** Preprocessing and batched inference where the model runs, when that is not this thread (the worker's). */
  recognise?(bytes: Uint8Array, limits: PreprocessLimits): Promise<RawRecognition>;
  /** Batches run for recognise, reported by the thread that runs them. */
  onBatch?(listener: (size: number, durationMs: number) => void): void;
  health(): ClassifierHealth;
  dispose(): Promise<void>;
}

/**
 * `auto`: onnxruntime, else TF.js's own walk (tensorflow -> wasm -> cpu), each skip recorded.
 * An explicit choice must start, or the error names INFERENCE_BACKEND.
 */
async function loadRuntime(options: InferenceModelOptions): Promise<LoadedRuntime> {
  const onnx = (): Promise<LoadedRuntime> => loadOnnxModel({ modelDir: options.modelDir, cpuThreads: options.cpuThreads ?? 0 });
  if (options.backend === 'onnxruntime') {
    try {
      return await onnx();
    } catch (error) {
      throw new BackendUnavailableError(`${BACKEND_SETTING}=onnxruntime is not available: ${errorSummary(error)}`, { cause: error });
    }
  }
  if ((TFJS_BACKENDS as readonly string[]).includes(options.backend)) {
    return loadTfjsModel(options.modelDir, options.backend as (typeof TFJS_BACKENDS)[number], BACKEND_SETTING);
  }
  let skipped: string;
  try {
    return await onnx();
  } catch (error) {
    skipped = `onnxruntime: ${errorSummary(error)}`;
  }
  const tfjs = await loadTfjsModel(options.modelDir, 'auto', BACKEND_SETTING);
  return { ...tfjs, fallbacks: [skipped, ...tfjs.fallbacks] };
}

/** Checks the batch's shape before any backend sees it: a wrong length is a bug, not an input. */
function checkBatch(pixels: Float32Array, count: number): void {
  if (!Number.isInteger(count) || count < 1 || pixels.length !== count * IMAGE_PIXELS) {
    throw new RangeError(`a batch of ${count} images needs ${count * IMAGE_PIXELS} pixels, got ${pixels.length}`);
  }
}

/**
 * Reads the model card, selects the backend, loads the model and runs the warm-up batches.
 * Throws when the model or card is missing or malformed, or when an explicitly chosen backend
 * cannot start.
 */
export async function loadInferenceModel(options: InferenceModelOptions): Promise<InferenceModel> {
  const card = await readModelCard(options.modelDir);
  const runtime = await loadRuntime(options);
  const predict = async (pixels: Float32Array, count: number): Promise<Float32Array> => {
    checkBatch(pixels, count);
    return runtime.predict(pixels, count);
  };
  try {
    for (const size of options.warmupBatchSizes) await predict(new Float32Array(size * IMAGE_PIXELS), size);
  } catch (error) {
    runtime.dispose();
    throw error;
  }
  return {
    backend: runtime.backend,
    backendFallbacks: runtime.fallbacks,
    modelVersion: card.version,
    predict,
    dispose: () => runtime.dispose(),
  };
}
