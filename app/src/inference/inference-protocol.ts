import type { PreprocessLimits } from '../preprocess/preprocess.js';
import type { InferenceModelOptions } from './inference-model.js';

/**
 * The messages between the main thread and the inference worker (inference-host.ts is the
 * worker's side, inference-thread.ts the main thread's). Two kinds of work:
 * - predict: pixels in as one Float32Array per batch, probabilities out as one (evaluate, and
 *   whoever holds pixels already);
 * - recognise: one uploaded image in; the worker preprocesses it, batches it with the others
 *   that arrived meanwhile, runs the model once per batch, and answers with the 28x28 input and
 *   the ten probabilities. Decoding, pixel work and inference all stay off the HTTP thread, and
 *   an upload crosses threads once each way.
 * Arrays are transferred (moved, not copied). Requests carry an id because replies are matched
 * by id, not by arrival order.
 */

/** The worker's thread name in `top -H` and /proc/<pid>/task/<tid>/comm (Linux; 15 characters max). */
export const INFERENCE_THREAD_NAME = 'mnist-inference';

/** What the worker is started with (its `workerData`): the model, and how it decodes and batches uploads. */
export interface InferenceWorkerData extends InferenceModelOptions {
  readonly maxBatchSize: number;
  readonly maxBatchWaitMs: number;
  /** Uploads decoded at once in the worker (DECODE_CONCURRENCY). @default 2 */
  readonly decodeConcurrency?: number;
}

/** Main thread -> worker: classify `count` images laid end to end in `pixels`. */
export interface PredictRequest {
  readonly kind: 'predict';
  readonly id: number;
  readonly count: number;
  readonly pixels: Float32Array;
}

/** Main thread -> worker: preprocess and classify one uploaded image (its bytes moved). */
export interface RecogniseRequest {
  readonly kind: 'recognise';
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly limits: PreprocessLimits;
}

export type WorkerRequest = PredictRequest | RecogniseRequest;

/** Worker -> main thread, once: the model is loaded and warmed up. */
export interface ReadyReply {
  readonly kind: 'ready';
  readonly backend: string;
  readonly backendFallbacks: readonly string[];
  readonly modelVersion: string;
}

/** Worker -> main thread, once, instead of ready: loading failed; the worker then exits. */
export interface LoadFailedReply {
  readonly kind: 'load-failed';
  /** The error's name, so the main thread can re-create a BackendUnavailableError. */
  readonly name: string;
  readonly message: string;
}

/** Worker -> main thread: the probabilities of request `id` (count * 10 floats). */
export interface ResultReply {
  readonly kind: 'result';
  readonly id: number;
  readonly probabilities: Float32Array;
}

/** Worker -> main thread: what the model saw (784 bytes) and its ten probabilities, for request `id`. */
export interface RecognisedReply {
  readonly kind: 'recognised';
  readonly id: number;
  readonly input: Uint8Array;
  readonly probabilities: Float32Array;
}

/** Worker -> main thread, after each batch of recognise requests: for the batch-size metrics. */
export interface BatchReply {
  readonly kind: 'batch';
  readonly size: number;
  readonly durationMs: number;
}

/** Worker -> main thread: request `id` failed (a bad image, a failed batch); the worker keeps serving. */
export interface ErrorReply {
  readonly kind: 'error';
  readonly id: number;
  readonly name: string;
  readonly message: string;
}

export type WorkerReply = ReadyReply | LoadFailedReply | ResultReply | RecognisedReply | BatchReply | ErrorReply;

/** The side of a MessagePort the worker needs (parentPort satisfies it). */
export interface ReplyPort {
  postMessage(value: WorkerReply, transferList?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (value: WorkerRequest) => void): void;
}

/** `array` itself when it owns its whole buffer (so transferring it moves nothing else), else a copy. */
export function ownBuffer<T extends Float32Array | Uint8Array>(array: T): T {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? array : (array.slice() as T);
}
