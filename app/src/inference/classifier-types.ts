import type { DigitPixels } from '../mnist/geometry.js';
import type { PreprocessLimits } from '../preprocess/preprocess.js';

/** What the service asks of a classifier; loadClassifier (classifier.ts) gives the real one. */

export interface Classification {
  readonly digit: number;
  readonly confidence: number;
  /** Ten softmax probabilities, index = digit. */
  readonly probabilities: readonly number[];
  /**
   * The version that answered, set by a classifier serving several (serving/model-router.ts):
   * during a switch or a canary, the classifier's own `modelVersion` may not be the one that ran.
   */
  readonly modelVersion?: string;
}

/** An upload recognised: what the model saw (784 bytes, 0 background .. 255 ink) and its answer. */
export interface Recognition {
  readonly input: Uint8Array;
  readonly classification: Classification;
}

/** Whether a classifier can answer right now, and if not, why (for /readyz). */
export interface ClassifierHealth {
  readonly ok: boolean;
  readonly detail: string;
}

/** Loads once, batches concurrent calls, reports what it runs on. */
export interface Classifier {
  /** Backend in use: 'onnxruntime', or TF.js's 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  readonly backend: string;
  /** From the model card, e.g. "2026-11-25-cnn-e8". */
  readonly modelVersion: string;
  classify(pixels: DigitPixels): Promise<Classification>;
  /**
   * An upload, preprocessed and classified where the model runs (its worker thread), batched
   * there with the uploads that arrived meanwhile. Rejects with the image's own 4xx error as
   * preprocessImage would. Absent when the caller preprocesses and calls classify itself.
   */
  recognise?(bytes: Uint8Array, limits: PreprocessLimits): Promise<Recognition>;
  /** Observed batch sizes, for the batch-size histogram. */
  onBatch(listener: (batchSize: number, durationMs: number) => void): void;
  dispose(): Promise<void>;
  /**
   * Whether classify can answer now (false while a crashed inference worker restarts).
   * Optional: a classifier without it is always ready once loaded.
   */
  health?(): ClassifierHealth;
}
