import { UnavailableError } from '../errors.js';

/**
 * Dynamic batching, as TF Serving and Triton do it, independent of any ML library.
 *
 * - The model is idle and a request arrives: it runs at once (after the current event-loop
 *   turn, so calls that are already ready to submit join it; no timer is involved).
 * - A batch is running: arrivals queue. When it ends, the next batch takes up to
 *   `maxBatchSize` of them: at once when that many wait, else once the oldest has waited
 *   `maxBatchWaitMs` (usually already true: it waited for the previous batch).
 *
 * So a lone request is not delayed, and under load batches grow with concurrency.
 * `runBatch` is called with at most one batch in flight.
 */

export interface BatcherOptions<I, O> {
  /** Runs one batch; must resolve to exactly one output per input, in order. */
  readonly runBatch: (inputs: readonly I[]) => Promise<readonly O[]>;
  /** Largest batch handed to runBatch (>= 1). */
  readonly maxBatchSize: number;
  /** Longest a queued request waits for a partial batch to fill (>= 0). */
  readonly maxBatchWaitMs: number;
  /** Clock in milliseconds; injectable for tests. @default performance.now */
  readonly now?: () => number;
}

/** Called after each batch with its size and how long runBatch took. */
export type BatchListener = (batchSize: number, durationMs: number) => void;

interface Pending<I, O> {
  readonly input: I;
  readonly enqueuedAt: number;
  resolve(output: O): void;
  reject(error: unknown): void;
}

export class Batcher<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private readonly listeners: BatchListener[] = [];
  private readonly now: () => number;
  private running: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private immediate: ReturnType<typeof setImmediate> | null = null;
  private closed = false;

  constructor(private readonly options: BatcherOptions<I, O>) {
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
    if (!(options.maxBatchWaitMs >= 0)) throw new RangeError(`maxBatchWaitMs must be >= 0, got ${options.maxBatchWaitMs}`);
    this.now = options.now ?? (() => performance.now());
  }

  /** Requests waiting for a batch (not counting the batch in flight). */
  get queued(): number {
    return this.queue.length;
  }

  /** Queues one input; resolves with its output, or rejects with its batch's error. */
  submit(input: I): Promise<O> {
    if (this.closed) return Promise.reject(new UnavailableError('the classifier is shutting down'));
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, enqueuedAt: this.now(), resolve, reject });
      if (this.running !== null) return;
      if (this.queue.length >= this.options.maxBatchSize) this.dispatch();
      else if (this.timer === null && this.immediate === null) {
        this.immediate = setImmediate(() => this.dispatch());
      }
    });
  }

  onBatch(listener: BatchListener): void {
    this.listeners.push(listener);
  }

  /** Rejects everything queued, lets the batch in flight finish, refuses new work. */
  async dispose(): Promise<void> {
    this.closed = true;
    this.clearWake();
    const dropped = this.queue.splice(0, this.queue.length);
    for (const p of dropped) p.reject(new UnavailableError('the classifier is shutting down'));
    await this.running;
  }

  private clearWake(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  /** After a batch: run the next one now, or when its oldest request has waited long enough. */
  private scheduleNext(): void {
    if (this.closed || this.queue.length === 0) return;
    const waitedMs = this.now() - this.queue[0]!.enqueuedAt;
    if (this.queue.length >= this.options.maxBatchSize || waitedMs >= this.options.maxBatchWaitMs) {
      this.dispatch();
      return;
    }
    this.timer = setTimeout(() => this.dispatch(), this.options.maxBatchWaitMs - waitedMs);
  }

  private dispatch(): void {
    this.clearWake();
    if (this.running !== null || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    this.running = this.runOne(batch).finally(() => {
      this.running = null;
      this.scheduleNext();
    });
  }

  private async runOne(batch: Pending<I, O>[]): Promise<void> {
    const startedAt = this.now();
    let outputs: readonly O[];
    try {
      outputs = await this.options.runBatch(batch.map((p) => p.input));
      if (outputs.length !== batch.length) {
        throw new Error(`runBatch returned ${outputs.length} outputs for ${batch.length} inputs`);
      }
    } catch (error) {
      for (const p of batch) p.reject(error);
      this.notify(batch.length, this.now() - startedAt);
      return;
    }
    batch.forEach((p, i) => p.resolve(outputs[i]!));
    this.notify(batch.length, this.now() - startedAt);
  }

  private notify(size: number, durationMs: number): void {
    for (const listener of this.listeners) {
      try {
        listener(size, durationMs);
      } catch {
        // A metrics listener must never fail a prediction.
      }
    }
  }
}
