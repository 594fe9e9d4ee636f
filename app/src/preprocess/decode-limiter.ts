/**
 * Bounds how many images are decoded at once and how many wait for a turn. Decoding runs on
 * libuv's threads and its pixel work on the main thread, both bounded per image by the limits
 * of preprocess.ts; this bounds their sum, so that a burst of large or hostile images costs a
 * known amount of memory and CPU, and a full queue is refused at once (503) instead of
 * growing until every request times out. First come, first served.
 */
import { UnavailableError } from '../errors.js';

export interface DecodeLimiterOptions {
  /** Decodes running at once. */
  readonly concurrency: number;
  /** Decodes waiting for a turn; one more is refused with UnavailableError. */
  readonly maxQueued: number;
}

export interface DecodeLimiter {
  /**
   * Runs `task` when a slot is free. A task still waiting when `signal` aborts (its request
   * timed out, its client left) never runs and rejects with the signal's reason.
   * @throws UnavailableError (503) when the queue is full
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Decodes running now. */
  readonly active: number;
  /** Decodes waiting now. */
  readonly queued: number;
}

interface Waiter {
  readonly start: () => void;
}

export function createDecodeLimiter(options: DecodeLimiterOptions): DecodeLimiter {
  const waiting: Waiter[] = [];
  let active = 0;

  const release = (): void => {
    active -= 1;
    const next = waiting.shift();
    if (next !== undefined) next.start();
  };

  const runNow = async <T>(task: () => Promise<T>): Promise<T> => {
    active += 1;
    try {
      return await task();
    } finally {
      release();
    }
  };

  return {
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < options.concurrency) return runNow(task);
      if (waiting.length >= options.maxQueued) {
        return Promise.reject(new UnavailableError(`the image decoder is busy (${waiting.length} images waiting): retry shortly`));
      }
      return new Promise<T>((resolve, reject) => {
        const onAbort = (): void => {
          const at = waiting.indexOf(waiter);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            runNow(task).then(resolve, reject);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(waiter);
      });
    },
  };
}
