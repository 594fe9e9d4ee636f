import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { AppContext, AppMiddleware } from './request-context.js';

/** The one error shape of the API. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly requestId?: string };
}

/** Codes for statuses Koa or the router produce without an AppError (unknown route, wrong method). */
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  417: 'expectation_failed',
  431: 'headers_too_large',
  501: 'not_implemented',
  505: 'http_version_not_supported',
};

interface HttpErrorLike {
  readonly status: number;
  readonly expose: boolean;
  readonly message: string;
}

/** Errors from Koa itself or its helpers (ctx.throw, http-errors) that say whether they are safe to show. */
function isHttpErrorLike(error: unknown): error is HttpErrorLike {
  if (!(error instanceof Error)) return false;
  const { status, expose } = error as Partial<HttpErrorLike>;
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true;
}

function describeStatus(status: number): { code: string; message: string } {
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'invalid_request');
  return { code, message: code.replace(/_/g, ' ') };
}

/** Maps any thrown value to a status and the JSON body the client sees. */
export function mapError(error: unknown, requestId: string): { status: number; body: ErrorBody; internal: boolean } {
  if (error instanceof AppError) {
    const message = error.expose ? error.message : describeStatus(error.status).message;
    const withId = error.status >= 500 ? { requestId } : {};
    return { status: error.status, body: { error: { code: error.code, message, ...withId } }, internal: false };
  }
  if (isHttpErrorLike(error)) {
    const { code } = describeStatus(error.status);
    return { status: error.status, body: { error: { code, message: error.message } }, internal: false };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error', requestId } }, internal: true };
}

function writeError(ctx: AppContext, status: number, body: ErrorBody): void {
  ctx.status = status;
  ctx.body = body;
  ctx.set('x-request-id', ctx.state.requestId);
  ctx.set('Cache-Control', 'no-store');
}

/**
 * The single place where failures become responses: AppErrors map to their status and code,
 * Koa's own 4xx keep their safe message, and anything else is a 500 whose details go to the
 * log (with the request id and stack) and never to the client. Bodyless 4xx/5xx responses
 * (unknown route, 405) get the same JSON shape.
 */
export function createErrorMiddleware(logger: Logger): AppMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const mapped = mapError(error, ctx.state.requestId);
      if (mapped.internal) {
        logger.error({ requestId: ctx.state.requestId, err: error, method: ctx.method, path: ctx.path }, 'unhandled error');
      } else if (mapped.status >= 500) {
        // The cause (a driver error, say) is for operators: logged here, never sent.
        const cause = error instanceof Error && error.cause !== undefined ? { cause: describeCause(error.cause) } : {};
        logger.warn({ requestId: ctx.state.requestId, code: mapped.body.error.code, detail: mapped.body.error.message, ...cause }, 'request failed');
      }
      writeError(ctx, mapped.status, mapped.body);
      return;
    }
    if (ctx.status >= 400 && (ctx.body === undefined || ctx.body === null)) {
      const described = describeStatus(ctx.status);
      const withId = ctx.status >= 500 ? { requestId: ctx.state.requestId } : {};
      writeError(ctx, ctx.status, { error: { ...described, ...withId } });
    }
  };
}

/**
 * One line: each cause's class and the first line of its message (driver errors name the
 * host and the timeout there; later lines are nested stacks).
 */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause !== undefined ? `; caused by ${describeCause(cause.cause)}` : '';
  return `${cause.name}: ${cause.message.split('\n')[0]}${inner}`;
}
