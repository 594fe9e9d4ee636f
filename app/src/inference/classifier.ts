import type { InferenceBackendChoice, InferenceThreadSetting } from '../config.js';
import { UnavailableError } from '../errors.js';
import { Batcher, type BatchListener } from './batcher.js';
import { IMAGE_PIXELS, NUM_CLASSES, stackImages, type DigitPixels } from '../mnist/geometry.js';
import type { PreprocessLimits } from '../preprocess/preprocess.js';
import type { Classification, Classifier, ClassifierHealth, Recognition } from './classifier-types.js';
import { loadInferenceModel, type InferenceEngine } from './inference-model.js';
import { InferencePool } from './inference-pool.js';
import { startWorkerInference, type InferenceLogger } from './inference-supervisor.js';

/**
 * The classifier the service (and `mnist evaluate`) uses: the committed model, loaded once,
 * behind the dynamic batcher. One model call serves every request that queued while the
 * previous call ran, so throughput grows with concurrency. The batcher stays on the calling
 * thread; by default the model runs in a worker thread, so that its CPU is not taken from the
 * thread serving HTTP.
 */

export interface ClassifierOptions {
  /** Directory with model.onnx, model.json, weights.bin and model-card.json. */
  readonly modelDir: string;
  readonly backend: InferenceBackendChoice;
  /** onnxruntime's threads per batch; 0 = one per core. @default 0 */
  readonly cpuThreads?: number;
  /** Largest batch one model call takes. */
  readonly maxBatchSize: number;
  /** Longest a request waits for a partial batch to fill. */
  readonly maxBatchWaitMs: number;
  /** Warm-up batch sizes run before the classifier is returned. @default [1, min(maxBatchSize, 32)] */
  readonly warmupBatchSizes?: readonly number[];
  /** Where the model runs: a dedicated worker thread, or the calling thread. @default 'worker' */
  readonly inferenceThread?: InferenceThreadSetting;
  /** Worker threads, each with its own model, sharing uploads by load (worker mode only). @default 1 */
  readonly workers?: number;
  /** Uploads each worker decodes at once (DECODE_CONCURRENCY; worker mode only). @default 2 */
  readonly decodeConcurrency?: number;
  /** Receives the inference worker's deaths and restarts. @default no logging */
  readonly logger?: InferenceLogger;
}

/** A Classifier that also says why preferred backends were skipped (for the start-up log). */
export interface LoadedClassifier extends Classifier {
  readonly backendFallbacks: readonly string[];
  /** Where the model runs. */
  readonly inferenceThread: InferenceThreadSetting;
  health(): ClassifierHealth;
}

/** One image's ten probabilities as the answer: the likeliest digit and its probability. */
function toClassification(probs: Float32Array): Classification {
  const probabilities = Array.from(probs);
  let digit = 0;
  for (let d = 1; d < NUM_CLASSES; d++) if (probabilities[d]! > probabilities[digit]!) digit = d;
  return { digit, confidence: probabilities[digit]!, probabilities };
}

function toClassifications(probs: Float32Array, count: number): Classification[] {
  if (probs.length !== count * NUM_CLASSES) throw new Error(`the model returned ${probs.length} probabilities for ${count} images`);
  return Array.from({ length: count }, (_, i) => toClassification(probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)));
}

async function loadMainThreadEngine(options: ClassifierOptions, warmupBatchSizes: readonly number[]): Promise<InferenceEngine> {
  const model = await loadInferenceModel({ modelDir: options.modelDir, backend: options.backend, cpuThreads: options.cpuThreads ?? 0, warmupBatchSizes });
  return {
    backend: model.backend,
    backendFallbacks: model.backendFallbacks,
    modelVersion: model.modelVersion,
    predict: (pixels, count) => model.predict(pixels, count),
    health: () => ({ ok: true, detail: `model loaded on the main thread (${model.backend})` }),
    dispose: async () => model.dispose(),
  };
}

/**
 * Selects the backend, loads the model and its card, warms up (in the worker when inference
 * runs there), and returns the batching classifier. Throws when the model or card is missing
 * or malformed.
 */
export async function loadClassifier(options: ClassifierOptions): Promise<LoadedClassifier> {
  const warmupBatchSizes = options.warmupBatchSizes ?? [1, Math.min(options.maxBatchSize, 32)];
  const inferenceThread = options.inferenceThread ?? 'worker';
  const startWorker = (): Promise<InferenceEngine> => startWorkerInference({
    modelDir: options.modelDir, backend: options.backend, cpuThreads: options.cpuThreads ?? 0, warmupBatchSizes,
    maxBatchSize: options.maxBatchSize, maxBatchWaitMs: options.maxBatchWaitMs, decodeConcurrency: options.decodeConcurrency, logger: options.logger,
  });
  const engine =
    inferenceThread === 'worker'
      ? new InferencePool(await Promise.all(Array.from({ length: options.workers ?? 1 }, startWorker)))
      : await loadMainThreadEngine(options, warmupBatchSizes);

  const batcher = new Batcher<DigitPixels, Classification>({
    runBatch: async (inputs) => toClassifications(await engine.predict(stackImages(inputs), inputs.length), inputs.length),
    maxBatchSize: options.maxBatchSize,
    maxBatchWaitMs: options.maxBatchWaitMs,
  });
  let disposed = false;
  return {
    get backend(): string {
      return engine.backend;
    },
    get backendFallbacks(): readonly string[] {
      return engine.backendFallbacks;
    },
    get modelVersion(): string {
      return engine.modelVersion;
    },
    inferenceThread,
    // In a worker, uploads are preprocessed and batched there (one hop each way, nothing on this thread).
    ...(engine.recognise === undefined ? {} : {
      async recognise(bytes: Uint8Array, limits: PreprocessLimits): Promise<Recognition> {
        if (disposed) throw new UnavailableError('the classifier is shutting down');
        const { input, probabilities } = await engine.recognise!(bytes, limits);
        return { input, classification: toClassification(probabilities) };
      },
    }),
    classify(pixels: DigitPixels): Promise<Classification> {
      if (pixels.length !== IMAGE_PIXELS) {
        return Promise.reject(new RangeError(`a digit has ${IMAGE_PIXELS} pixels, got ${pixels.length}`));
      }
      return batcher.submit(pixels);
    },
    onBatch(listener: BatchListener): void {
      batcher.onBatch(listener);
      engine.onBatch?.(listener);
    },
    health: () => (disposed ? { ok: false, detail: 'the classifier is shut down' } : engine.health()),
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await batcher.dispose();
      await engine.dispose();
    },
  };
}
