/** Shapes shared by preprocessing, the model and the classifier. MNIST's own geometry. */

export const IMAGE_SIZE = 28;
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;
/** MNIST digits were fitted into a 20x20 box, then centred by mass in 28x28. */
export const DIGIT_BOX = 20;
export const NUM_CLASSES = 10;

/** A 28x28 MNIST-style input: white ink (1.0) on black (0.0), row-major, 784 floats. */
export type DigitPixels = Float32Array;

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

/** What preprocessing hands to the classifier, and what the page shows as "what the model saw". */
export interface PreprocessedDigit {
  /** Model input: 784 floats, ink 1.0 on background 0.0. */
  readonly pixels: DigitPixels;
  /** The same 28x28 image as bytes 0..255 (stored with the prediction, shown on the page). */
  readonly input: Uint8Array;
  /** True when the source had light ink on a dark background (already MNIST polarity). */
  readonly lightInkOnDark: boolean;
  /** Source format as sharp reports it: png, jpeg, webp, gif, tiff. */
  readonly format: string;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

/** Limits against hostile input, checked before decoding. */
export interface PreprocessLimits {
  /** Largest width*height accepted; larger images are refused (413) before any decode. */
  readonly maxInputPixels: number;
}
