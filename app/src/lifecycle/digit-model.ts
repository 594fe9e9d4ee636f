import type { InferenceBackendChoice } from '../config.js';
import { loadInferenceModel, type InferenceModel } from '../inference/inference-model.js';
import { IMAGE_PIXELS, NUM_CLASSES } from '../mnist/geometry.js';

/**
 * A model version loaded for judging: its answers on many stored 28x28 inputs at once, and
 * the time of its single-image model call. It runs on the service's inference runtime
 * (onnxruntime when installed: the 10,000 MNIST test images take about a second), so the
 * figures are those of the code that will serve it.
 */

/** Images per model call when answering many. */
const BATCH = 500;

export interface DigitModel {
  readonly version: string;
  readonly backend: string;
  /** The likeliest digit for each 784-byte input (0 background .. 255 ink). */
  answer(inputs: readonly Uint8Array[]): Promise<Uint8Array>;
  /** Milliseconds of one single-image model call for each of `inputs` (one after another). */
  timeSingleCalls(inputs: readonly Uint8Array[]): Promise<number[]>;
  dispose(): void;
}

export interface DigitModelOptions {
  readonly modelDir: string;
  readonly backend: InferenceBackendChoice;
  /** onnxruntime's threads per call; 0 = one per core. */
  readonly cpuThreads: number;
}

function toPixels(inputs: readonly Uint8Array[], from: number, to: number): Float32Array {
  const pixels = new Float32Array((to - from) * IMAGE_PIXELS);
  for (let i = from; i < to; i++) {
    const input = inputs[i]!;
    if (input.length !== IMAGE_PIXELS) throw new RangeError(`an input has ${IMAGE_PIXELS} bytes, got ${input.length}`);
    for (let p = 0; p < IMAGE_PIXELS; p++) pixels[(i - from) * IMAGE_PIXELS + p] = input[p]! / 255;
  }
  return pixels;
}

function argMaxEach(probabilities: Float32Array, count: number, out: Uint8Array, offset: number): void {
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let d = 1; d < NUM_CLASSES; d++) if (probabilities[i * NUM_CLASSES + d]! > probabilities[i * NUM_CLASSES + best]!) best = d;
    out[offset + i] = best;
  }
}

/** Loads the model in `modelDir` (model.onnx or model.json, and model-card.json) on this thread. */
export async function loadDigitModel(options: DigitModelOptions): Promise<DigitModel> {
  const model: InferenceModel = await loadInferenceModel({ modelDir: options.modelDir, backend: options.backend, cpuThreads: options.cpuThreads, warmupBatchSizes: [1, 32] });
  return {
    version: model.modelVersion,
    backend: model.backend,
    async answer(inputs) {
      const digits = new Uint8Array(inputs.length);
      for (let from = 0; from < inputs.length; from += BATCH) {
        const to = Math.min(inputs.length, from + BATCH);
        argMaxEach(await model.predict(toPixels(inputs, from, to), to - from), to - from, digits, from);
      }
      return digits;
    },
    async timeSingleCalls(inputs) {
      const times: number[] = [];
      for (let i = 0; i < inputs.length; i++) {
        const pixels = toPixels(inputs, i, i + 1);
        const startedAt = performance.now();
        await model.predict(pixels, 1);
        times.push(performance.now() - startedAt);
      }
      return times;
    },
    dispose: () => model.dispose(),
  };
}

/** Share of `answers` equal to `labels` (null when there are none). */
export function accuracyOf(answers: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  if (answers.length !== labels.length) throw new RangeError(`${answers.length} answers for ${labels.length} labels`);
  if (answers.length === 0) return null;
  let right = 0;
  for (let i = 0; i < answers.length; i++) if (answers[i] === labels[i]) right += 1;
  return right / answers.length;
}

/** The q-quantile (0..1) of `values` by the nearest-rank method; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
