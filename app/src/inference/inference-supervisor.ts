import { errorMessage, UnavailableError } from '../errors.js';
import type { PreprocessLimits } from '../preprocess/preprocess.js';
import type { ClassifierHealth } from './classifier-types.js';
import type { InferenceEngine, RawRecognition } from './inference-model.js';
import { startInferenceThread, type InferenceThread, type InferenceThreadOptions } from './inference-thread.js';

/**
 * Inference in a worker thread that is replaced when it dies. While there is no live worker,
 * predict rejects at once with UnavailableError (503) and health() says why (/readyz turns
 * 503, so Kubernetes stops routing to the pod), instead of requests hanging on a dead thread;
 * meanwhile a new worker is started, with a backoff that grows while workers keep dying young.
 * A batch that never returns counts as death: the worker is terminated and replaced.
 */

/** The logging the supervisor does: one structured line per event (pino's Logger fits). */
export interface InferenceLogger {
  info(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface WorkerInferenceOptions extends InferenceThreadOptions {
  /** A batch (or a preprocessing) taking longer than this means the worker is stuck: it is replaced. @default 30000 */
  readonly batchTimeoutMs?: number;
  /** Delay before restarting a worker that ran long enough. @default 100 */
  readonly restartDelayMs?: number;
  /** The delay doubles per restart up to this; a worker that lived this long resets it. @default 30000 */
  readonly maxRestartDelayMs?: number;
  /** Where deaths and restarts are logged (one line each). @default no logging */
  readonly logger?: InferenceLogger;
}

class SupervisedInference implements InferenceEngine {
  private current: InferenceThread | undefined;
  private latest: InferenceThread;
  private startedAt = performance.now();
  private downReason = '';
  private delayMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly batchListeners: ((size: number, durationMs: number) => void)[] = [];

  constructor(
    first: InferenceThread,
    private readonly options: WorkerInferenceOptions,
  ) {
    this.latest = first;
    this.delayMs = options.restartDelayMs ?? 100;
    this.watch(first);
  }

  get backend(): string {
    return this.latest.backend;
  }
  get backendFallbacks(): readonly string[] {
    return this.latest.backendFallbacks;
  }
  get modelVersion(): string {
    return this.latest.modelVersion;
  }

  predict(pixels: Float32Array, count: number): Promise<Float32Array> {
    return this.call(`a batch of ${count}`, (thread) => thread.predict(pixels, count));
  }

  recognise(bytes: Uint8Array, limits: PreprocessLimits): Promise<RawRecognition> {
    return this.call('recognising an image', (thread) => thread.recognise(bytes, limits));
  }

  /** Batches of every worker this supervisor runs, the restarted ones too. */
  onBatch(listener: (size: number, durationMs: number) => void): void {
    this.batchListeners.push(listener);
  }

  /** One request to the live worker; one that never returns means a stuck worker, which is replaced. */
  private async call<T>(what: string, request: (thread: InferenceThread) => Promise<T>): Promise<T> {
    const thread = this.current;
    if (thread === undefined) throw new UnavailableError(`the inference worker is restarting (${this.downReason})`);
    const timeoutMs = this.options.batchTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      const reason = `${what} took over ${timeoutMs} ms`;
      // Unready from now on, not from when the thread has finished exiting.
      this.onStopped(thread, reason);
      void thread.terminate(reason);
    }, timeoutMs);
    try {
      return await request(thread);
    } finally {
      clearTimeout(timer);
    }
  }

  health(): ClassifierHealth {
    const thread = this.current;
    return thread === undefined
      ? { ok: false, detail: `inference worker restarting (${this.downReason})` }
      : { ok: true, detail: `inference worker thread ${thread.threadId} on ${thread.backend}` };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    const thread = this.current;
    this.current = undefined;
    this.downReason = 'the classifier is shutting down';
    await thread?.terminate(this.downReason);
  }

  private watch(thread: InferenceThread): void {
    thread.onBatch((size, durationMs) => {
      for (const listener of this.batchListeners) listener(size, durationMs);
    });
    this.current = thread;
    this.latest = thread;
    this.startedAt = performance.now();
    void thread.stopped.then((reason) => this.onStopped(thread, reason));
  }

  private onStopped(thread: InferenceThread, reason: string): void {
    if (this.disposed || thread !== this.current) return;
    this.current = undefined;
    this.downReason = `worker thread ${thread.threadId} ${reason}`;
    const maxDelayMs = this.options.maxRestartDelayMs ?? 30_000;
    if (performance.now() - this.startedAt >= maxDelayMs) this.delayMs = this.options.restartDelayMs ?? 100;
    this.options.logger?.error(
      { threadId: thread.threadId, reason, restartInMs: this.delayMs },
      'inference worker stopped: predictions answer 503 until it is restarted',
    );
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delayMs = this.delayMs;
    this.delayMs = Math.min(delayMs * 2, this.options.maxRestartDelayMs ?? 30_000);
    this.restartTimer = setTimeout(() => void this.restart(), delayMs);
    // Nothing waits on a restart: it must not keep a finished process alive.
    this.restartTimer.unref();
  }

  private async restart(): Promise<void> {
    let thread: InferenceThread;
    try {
      thread = await startInferenceThread(this.options);
    } catch (error) {
      if (this.disposed) return;
      this.downReason = `restart failed: ${errorMessage(error)}`;
      this.options.logger?.error({ err: error, restartInMs: this.delayMs }, 'inference worker could not be restarted');
      this.scheduleRestart();
      return;
    }
    if (this.disposed) {
      await thread.terminate('the classifier is shutting down');
      return;
    }
    this.watch(thread);
    this.options.logger?.info({ threadId: thread.threadId, backend: thread.backend }, 'inference worker restarted');
  }
}

/**
 * Starts the first worker (which selects the backend, loads and warms up the model) and
 * returns the supervised engine. Rejects, with the worker's reason, when that first load fails.
 */
export async function startWorkerInference(options: WorkerInferenceOptions): Promise<InferenceEngine> {
  return new SupervisedInference(await startInferenceThread(options), options);
}
