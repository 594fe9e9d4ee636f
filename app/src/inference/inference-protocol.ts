import type { InferenceModel, InferenceModelOptions } from './inference-model.js';

/**
 * The messages between the main thread and the inference worker. Pixels go in as one
 * Float32Array per batch and probabilities come back as one, both transferred (moved, not
 * copied). Requests carry an id because replies are matched by id, not by arrival order.
 */

/** The worker's thread name in `top -H` and /proc/<pid>/task/<tid>/comm (Linux; 15 characters max). */
export const INFERENCE_THREAD_NAME = 'mnist-inference';

/** What the worker is started with (its `workerData`). */
export type InferenceWorkerData = InferenceModelOptions;

/** Main thread -> worker: classify `count` images laid end to end in `pixels`. */
export interface PredictRequest {
  readonly kind: 'predict';
  readonly id: number;
  readonly count: number;
  readonly pixels: Float32Array;
}

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

/** Worker -> main thread: request `id` failed; the worker keeps serving. */
export interface ErrorReply {
  readonly kind: 'error';
  readonly id: number;
  readonly name: string;
  readonly message: string;
}

export type WorkerReply = ReadyReply | LoadFailedReply | ResultReply | ErrorReply;

/** The side of a MessagePort the worker needs (parentPort satisfies it). */
export interface ReplyPort {
  postMessage(value: WorkerReply, transferList?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (value: PredictRequest) => void): void;
}

/** The model as the worker uses it: loadInferenceModel's result, or a test's stand-in. */
export interface HostedModel extends Pick<InferenceModel, 'backendFallbacks' | 'modelVersion' | 'predict'> {
  readonly backend: string;
}

function describeError(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}

/** `array` itself when it owns its whole buffer (so transferring it moves nothing else), else a copy. */
export function ownBuffer(array: Float32Array): Float32Array {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? array : array.slice();
}

/**
 * The worker's side: loads the model (replying ready or load-failed), then answers every
 * predict request with a result or an error reply. A failing batch fails only its callers.
 */
export async function hostInference(port: ReplyPort, load: () => Promise<HostedModel>): Promise<void> {
  let model: HostedModel;
  try {
    model = await load();
  } catch (error) {
    port.postMessage({ kind: 'load-failed', ...describeError(error) });
    return;
  }
  port.on('message', (request) => {
    // Through a promise chain so that a synchronous throw becomes an error reply too.
    Promise.resolve(request).then((r) => model.predict(r.pixels, r.count)).then(
      (probabilities) => {
        const owned = ownBuffer(probabilities);
        port.postMessage({ kind: 'result', id: request.id, probabilities: owned }, [owned.buffer as ArrayBuffer]);
      },
      (error: unknown) => port.postMessage({ kind: 'error', id: request.id, ...describeError(error) }),
    );
  });
  port.postMessage({ kind: 'ready', backend: model.backend, backendFallbacks: model.backendFallbacks, modelVersion: model.modelVersion });
}
