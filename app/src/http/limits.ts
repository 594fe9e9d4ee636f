/**
 * Limits on what one request may cost: body bytes (enforced while streaming) and time.
 */
import type { IncomingMessage } from 'node:http';
import { InvalidRequestError, PayloadTooLargeError, RequestTimeoutError, TimeoutError } from '../errors.js';
import type { AppMiddleware } from './request-context.js';

/** Content-Length when the client sent a valid one; undefined for chunked bodies. */
export function readContentLength(req: IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** Throws 413 before reading anything when the declared length is already over the limit. */
export function assertDeclaredLength(req: IncomingMessage, maxBytes: number): void {
  const declared = readContentLength(req);
  if (declared !== undefined && declared > maxBytes) {
    throw new PayloadTooLargeError(`the request body is ${declared} bytes; the limit is ${maxBytes}`);
  }
}

/**
 * Reads the whole request body, refusing (413) as soon as more than `maxBytes` arrive, so a
 * lying or chunked client can never make us hold more than the limit in memory.
 */
export function readBoundedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  assertDeclaredLength(req, maxBytes);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxBytes) {
        cleanup();
        // Stop reading: the connection is closed after the 413 (see error-middleware.ts).
        req.pause();
        reject(new PayloadTooLargeError(`the request body is over the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new InvalidRequestError('the request body could not be read', { cause: error }));
    };
    const onAborted = (): void => onError(new Error('request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** Reads a small JSON body (feedback); 400 when it is not JSON. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new InvalidRequestError('expected a JSON body (Content-Type: application/json)');
  }
  const bytes = await readBoundedBody(req, maxBytes);
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new InvalidRequestError('the request body is not valid JSON');
  }
}

/**
 * Answers when the rest of the chain takes longer than `timeoutMs` after the headers: 408 when
 * the client has not finished sending its body (its fault), 504 otherwise (ours). The work
 * itself is not cancelled (a classification or a store write cannot be aborted halfway); its
 * late result is dropped because Koa ignores body and status changes once the response is
 * sent. Work that has not started yet is: `ctx.state.signal` aborts at the deadline, and when
 * the client goes away before its answer.
 */
export function createTimeoutMiddleware(timeoutMs: number): AppMiddleware {
  return async (ctx, next) => {
    const controller = new AbortController();
    ctx.state.signal = controller.signal;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const error = ctx.req.complete
          ? new TimeoutError(`the request took longer than ${timeoutMs} ms`)
          : new RequestTimeoutError(`the request body did not arrive within ${timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
      timer.unref();
    });
    const onClose = (): void => {
      if (!ctx.res.writableFinished) controller.abort(new InvalidRequestError('the client closed the connection before its answer'));
    };
    ctx.res.once('close', onClose);
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
      ctx.res.off('close', onClose);
    }
  };
}
