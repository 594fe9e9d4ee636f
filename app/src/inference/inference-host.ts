import { IMAGE_PIXELS, NUM_CLASSES, stackImages } from '../mnist/geometry.js';
import { createDecodeLimiter } from '../preprocess/decode-limiter.js';
import type { PreprocessedDigit, PreprocessLimits } from '../preprocess/preprocess.js';
import { Batcher } from './batcher.js';
import type { InferenceModel } from './inference-model.js';
import { ownBuffer, type RecogniseRequest, type ReplyPort } from './inference-protocol.js';

/**
 * The worker's side of the protocol (inference-protocol.ts): loads the model, then answers
 * predict requests batch by batch, and recognise requests by preprocessing each upload and
 * classifying it in a batch with the uploads that arrived meanwhile: a worker-side Batcher, so
 * the dynamic batching of the service happens where the model is, and pixels never travel back.
 */

/** The model as the worker uses it: loadInferenceModel's result, or a test's stand-in. */
export interface HostedModel extends Pick<InferenceModel, 'backendFallbacks' | 'modelVersion' | 'predict'> {
  readonly backend: string;
}

/** What recognise requests need besides the model: preprocessing, and how to batch. */
export interface HostedRecognition {
  /** Uploaded bytes -> the model's input (preprocessImage, or a test's stand-in). */
  readonly preprocess: (bytes: Buffer, limits: PreprocessLimits) => Promise<PreprocessedDigit>;
  /**
   * Images decoded at once in this thread (DECODE_CONCURRENCY); the others wait their turn here.
   * A plain PNG decodes synchronously, one at a time anyway; sharp's decodes are asynchronous,
   * and each holds up to MAX_INPUT_PIXELS of raw pixels: this bounds their memory.
   */
  readonly decodeConcurrency: number;
  readonly maxBatchSize: number;
  readonly maxBatchWaitMs: number;
}

function describeError(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}

/** The model behind a Batcher: one predict per batch, each image's ten probabilities back. */
function createRecogniser(port: ReplyPort, model: HostedModel, options: HostedRecognition): (request: RecogniseRequest) => Promise<void> {
  const batcher = new Batcher<Float32Array, Float32Array>({
    runBatch: async (images) => {
      const probabilities = await model.predict(stackImages(images), images.length);
      return images.map((_, i) => probabilities.slice(i * NUM_CLASSES, (i + 1) * NUM_CLASSES));
    },
    maxBatchSize: options.maxBatchSize,
    maxBatchWaitMs: options.maxBatchWaitMs,
  });
  batcher.onBatch((size, durationMs) => port.postMessage({ kind: 'batch', size, durationMs }));
  // The main thread bounds how many uploads are handed over; here they only wait for a decoder.
  const decoder = createDecodeLimiter({ concurrency: options.decodeConcurrency, maxQueued: Number.MAX_SAFE_INTEGER });
  return async (request) => {
    const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
    const digit = await decoder.run(() => options.preprocess(bytes, request.limits));
    if (digit.pixels.length !== IMAGE_PIXELS) throw new RangeError(`preprocessing gave ${digit.pixels.length} pixels, not ${IMAGE_PIXELS}`);
    const probabilities = await batcher.submit(digit.pixels);
    const input = ownBuffer(digit.input);
    port.postMessage({ kind: 'recognised', id: request.id, input, probabilities }, [input.buffer as ArrayBuffer, probabilities.buffer as ArrayBuffer]);
  };
}

/**
 * Loads the model (replying ready or load-failed), then answers every request with its reply
 * or an error reply naming the error (an image's own 4xx error, a failed batch). A failing
 * request fails only its caller. Without `recognition`, recognise requests are refused.
 */
export async function hostInference(port: ReplyPort, load: () => Promise<HostedModel>, recognition?: HostedRecognition): Promise<void> {
  let model: HostedModel;
  try {
    model = await load();
  } catch (error) {
    port.postMessage({ kind: 'load-failed', ...describeError(error) });
    return;
  }
  const recognise = recognition === undefined ? undefined : createRecogniser(port, model, recognition);
  port.on('message', (request) => {
    // Through a promise chain so that a synchronous throw becomes an error reply too.
    const answered = Promise.resolve(request).then(async (r) => {
      if (r.kind === 'recognise') {
        if (recognise === undefined) throw new Error('this worker does not recognise images');
        return recognise(r);
      }
      const owned = ownBuffer(await model.predict(r.pixels, r.count));
      port.postMessage({ kind: 'result', id: r.id, probabilities: owned }, [owned.buffer as ArrayBuffer]);
    });
    answered.catch((error: unknown) => port.postMessage({ kind: 'error', id: request.id, ...describeError(error) }));
  });
  port.postMessage({ kind: 'ready', backend: model.backend, backendFallbacks: model.backendFallbacks, modelVersion: model.modelVersion });
}
