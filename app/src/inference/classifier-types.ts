import type { DigitPixels } from '../mnist/geometry.js';

/** What the service asks of a classifier; loadClassifier (classifier.ts) gives the real one. */

export interface Classification {
  readonly digit: number;
  readonly confidence: number;
  /** Ten softmax probabilities, index = digit. */
  readonly probabilities: readonly number[];
}

/** Whether a classifier can answer right now, and if not, why (for /readyz). */
export interface ClassifierHealth {
  readonly ok: boolean;
  readonly detail: string;
}

/** Loads once, batches concurrent calls, reports what it runs on. */
export interface Classifier {
  /** TF.js backend in use: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  readonly backend: string;
  /** From the model card, e.g. "2026-11-25-cnn-e8". */
  readonly modelVersion: string;
  classify(pixels: DigitPixels): Promise<Classification>;
  /** Observed batch sizes, for the batch-size histogram. */
  onBatch(listener: (batchSize: number, durationMs: number) => void): void;
  dispose(): Promise<void>;
  /**
   * Whether classify can answer now (false while a crashed inference worker restarts).
   * Optional: a classifier without it is always ready once loaded.
   */
  health?(): ClassifierHealth;
}
