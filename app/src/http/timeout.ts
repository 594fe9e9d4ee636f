import { TimeoutError } from '../errors.js';
import type { AppMiddleware } from './app-state.js';

/**
 * Answers 504 when the rest of the chain takes longer than `timeoutMs`. The work itself is
 * not cancelled (a classification or a store write cannot be aborted halfway); its late
 * result is dropped because Koa ignores body and status changes once the response is sent.
 */
export function createTimeoutMiddleware(timeoutMs: number): AppMiddleware {
  return async (_ctx, next) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`the request took longer than ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
