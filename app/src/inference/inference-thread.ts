import type { Worker } from 'node:worker_threads';
import { BackendUnavailableError, UnavailableError } from '../errors.js';
import { ownBuffer, type InferenceWorkerData, type PredictRequest, type ReadyReply, type WorkerReply } from './inference-protocol.js';
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
  /** Resolves, with why, when the thread has stopped for whatever reason. */
  readonly stopped: Promise<string>;
  /** Stops the thread; waiting requests reject with UnavailableError(`reason`). */
  terminate(reason: string): Promise<void>;
}

interface Waiter {
  resolve(probabilities: Float32Array): void;
  reject(error: Error): void;
}

/** An error thrown inside the worker while running a batch, re-created on this side. */
export class InferenceError extends Error {
  override readonly name = 'InferenceError';
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
  const data: InferenceWorkerData = { modelDir: options.modelDir, backend: options.backend, cpuThreads: options.cpuThreads ?? 0, warmupBatchSizes: options.warmupBatchSizes };
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
  worker.on('message', (reply: WorkerReply) => {
    if (reply.kind !== 'result' && reply.kind !== 'error') return;
    const waiter = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (reply.kind === 'result') waiter?.resolve(reply.probabilities);
    else waiter?.reject(new InferenceError(`${reply.name}: ${reply.message}`));
  });
  // 'error' (an uncaught exception in the worker) is always followed by 'exit'.
  worker.on('error', (error: Error) => stop(`uncaught ${error.name}: ${error.message}`));
  const stopped = new Promise<string>((resolve) => {
    worker.once('exit', (code: number) => {
      stop(`exited with code ${code}`);
      resolve(stopReason!);
    });
  });

  return {
    backend: ready.backend,
    backendFallbacks: ready.backendFallbacks,
    modelVersion: ready.modelVersion,
    threadId: worker.threadId,
    stopped,
    predict(pixels: Float32Array, count: number): Promise<Float32Array> {
      if (stopReason !== undefined) return Promise.reject(new UnavailableError(`the inference worker stopped: ${stopReason}`));
      const id = nextId++;
      const owned = ownBuffer(pixels);
      const request: PredictRequest = { kind: 'predict', id, count, pixels: owned };
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage(request, [owned.buffer as ArrayBuffer]);
      });
    },
    async terminate(reason: string): Promise<void> {
      stop(reason);
      await worker.terminate();
      await stopped;
    },
  };
}
