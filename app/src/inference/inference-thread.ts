import type { Worker } from 'node:worker_threads';
import { BackendUnavailableError, EmptyImageError, PayloadTooLargeError, UnavailableError, UnsupportedImageError } from '../errors.js';
import type { PreprocessLimits } from '../preprocess/preprocess.js';
import type { RawRecognition } from './inference-model.js';
import { ownBuffer, type InferenceWorkerData, type ReadyReply, type WorkerReply, type WorkerRequest } from './inference-protocol.js';
import { resolveSiblingScript, startModuleWorker } from './module-worker.js';

/**
 * One inference worker thread, from start to exit, seen from the main thread. Replies are
 * matched to requests by id. When the thread dies (uncaught error, process.exit in the worker,
 * out of memory, terminate) every request still waiting is rejected with UnavailableError
 * (503): callers never hang on a thread that is gone.
 */

export interface InferenceThreadOptions extends InferenceWorkerData {
  /** The worker script. @default inference-worker.js (or .ts) beside this module */
  readonly scriptUrl?: URL;
}

export interface InferenceThread {
  readonly backend: string;
  readonly backendFallbacks: readonly string[];
  readonly modelVersion: string;
  /** Node's id of the worker thread, for log lines. */
  readonly threadId: number;
  /**
   * See InferenceModel.predict. `pixels` is moved to the worker (its buffer is detached here
   * when it owns it whole). Rejects with UnavailableError once the thread has stopped.
   */
  predict(pixels: Float32Array, count: number): Promise<Float32Array>;
  /**
   * An upload preprocessed and classified in the worker (a copy of `bytes` moves there).
   * Rejects with the image's own error (415, 413, 422) as on the main thread, or with
   * UnavailableError once the thread has stopped.
   */
  recognise(bytes: Uint8Array, limits: PreprocessLimits): Promise<RawRecognition>;
  /** The worker's batches of recognise requests, as it reports them. */
  onBatch(listener: (size: number, durationMs: number) => void): void;
  /** Resolves, with why, when the thread has stopped for whatever reason. */
  readonly stopped: Promise<string>;
  /** Stops the thread; waiting requests reject with UnavailableError(`reason`). */
  terminate(reason: string): Promise<void>;
}

interface Waiter {
  resolve(value: Float32Array | RawRecognition): void;
  reject(error: Error): void;
}

/** An error thrown inside the worker while running a batch, re-created on this side. */
export class InferenceError extends Error {
  override readonly name = 'InferenceError';
}

/** What is wrong with an uploaded image, thrown in the worker: re-created as the same 4xx error. */
const IMAGE_ERRORS: Readonly<Record<string, new (message: string) => Error>> = { UnsupportedImageError, PayloadTooLargeError, EmptyImageError };

function recreateError(name: string, message: string): Error {
  const ImageError = IMAGE_ERRORS[name];
  return ImageError === undefined ? new InferenceError(`${name}: ${message}`) : new ImageError(message);
}

function waitUntilReady(worker: Worker): Promise<ReadyReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply): void => {
      cleanUp();
      if (reply.kind === 'ready') resolve(reply);
      else if (reply.kind !== 'load-failed') reject(new Error(`inference worker sent ${reply.kind} before ready`));
      else reject(reply.name === 'BackendUnavailableError' ? new BackendUnavailableError(reply.message) : new Error(reply.message));
    };
    const onError = (error: Error): void => {
      cleanUp();
      reject(new Error(`inference worker failed while loading the model: ${error.message}`, { cause: error }));
    };
    const onExit = (code: number): void => {
      cleanUp();
      reject(new Error(`inference worker exited with code ${code} before loading the model`));
    };
    const cleanUp = (): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/** Starts a worker that selects its backend and loads the model; resolves once it has warmed up. */
export async function startInferenceThread(options: InferenceThreadOptions): Promise<InferenceThread> {
  const scriptUrl = options.scriptUrl ?? resolveSiblingScript(import.meta.url, 'inference-worker');
  // Only what the worker needs: callers' options may hold things that cannot be cloned.
  const data: InferenceWorkerData = {
    modelDir: options.modelDir, backend: options.backend, cpuThreads: options.cpuThreads ?? 0, warmupBatchSizes: options.warmupBatchSizes,
    maxBatchSize: options.maxBatchSize, maxBatchWaitMs: options.maxBatchWaitMs, decodeConcurrency: options.decodeConcurrency ?? 2,
  };
  const worker = startModuleWorker(scriptUrl, { workerData: data });
  let ready: ReadyReply;
  try {
    ready = await waitUntilReady(worker);
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  const waiting = new Map<number, Waiter>();
  let nextId = 1;
  let stopReason: string | undefined;
  const stop = (reason: string): void => {
    stopReason ??= reason;
    for (const waiter of waiting.values()) waiter.reject(new UnavailableError(`the inference worker stopped: ${stopReason}`));
    waiting.clear();
  };
  const batchListeners: ((size: number, durationMs: number) => void)[] = [];
  worker.on('message', (reply: WorkerReply) => {
    if (reply.kind === 'batch') {
      for (const listener of batchListeners) {
        try {
          listener(reply.size, reply.durationMs);
        } catch {
          // A metrics listener must never fail a prediction (as in Batcher).
        }
      }
      return;
    }
    if (reply.kind !== 'result' && reply.kind !== 'recognised' && reply.kind !== 'error') return;
    const waiter = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (reply.kind === 'result') waiter?.resolve(reply.probabilities);
    else if (reply.kind === 'recognised') waiter?.resolve({ input: reply.input, probabilities: reply.probabilities });
    else waiter?.reject(recreateError(reply.name, reply.message));
  });
  // 'error' (an uncaught exception in the worker) is always followed by 'exit'.
  worker.on('error', (error: Error) => stop(`uncaught ${error.name}: ${error.message}`));
  const stopped = new Promise<string>((resolve) => {
    worker.once('exit', (code: number) => {
      stop(`exited with code ${code}`);
      resolve(stopReason!);
    });
  });

  const send = <T extends Float32Array | RawRecognition>(request: WorkerRequest, moved: ArrayBuffer): Promise<T> => {
    if (stopReason !== undefined) return Promise.reject(new UnavailableError(`the inference worker stopped: ${stopReason}`));
    return new Promise<T>((resolve, reject) => {
      waiting.set(request.id, { resolve: resolve as Waiter['resolve'], reject });
      worker.postMessage(request, [moved]);
    });
  };
  return {
    backend: ready.backend,
    backendFallbacks: ready.backendFallbacks,
    modelVersion: ready.modelVersion,
    threadId: worker.threadId,
    stopped,
    predict(pixels: Float32Array, count: number): Promise<Float32Array> {
      const owned = ownBuffer(pixels);
      return send<Float32Array>({ kind: 'predict', id: nextId++, count, pixels: owned }, owned.buffer as ArrayBuffer);
    },
    recognise(bytes: Uint8Array, limits: PreprocessLimits): Promise<RawRecognition> {
      // A copy of the upload's bytes alone: the upload may be a view of a larger, shared buffer.
      const copy = new Uint8Array(bytes);
      return send<RawRecognition>({ kind: 'recognise', id: nextId++, bytes: copy, limits }, copy.buffer);
    },
    onBatch(listener: (size: number, durationMs: number) => void): void {
      batchListeners.push(listener);
    },
    async terminate(reason: string): Promise<void> {
      stop(reason);
      await worker.terminate();
      await stopped;
    },
  };
}
