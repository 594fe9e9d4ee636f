import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Middleware, ParameterizedContext } from 'koa';
import { discardUnreadBody } from './unread-body.js';

/** Per-request state every middleware and route can rely on (set by createRequestContext). */
export interface AppState {
  /** Sanitised incoming `x-request-id`, or a fresh UUID. Echoed on every response. */
  requestId: string;
  /** performance.now() when the request entered the app: the base of every latency figure. */
  startedAtMs: number;
  /**
   * Aborted at the request's deadline or when its client goes away (set by the timeout
   * middleware, limits.ts): work still queued for this request need not start.
   */
  signal: AbortSignal;
}

/** The Koa context type of this app's middleware and routes. */
export type AppContext = ParameterizedContext<AppState>;

/** A middleware of this app. */
export type AppMiddleware = Middleware<AppState>;

export const REQUEST_ID_HEADER = 'x-request-id';

/** What we accept from a caller: short, printable, no spaces or quotes (it goes into logs and headers). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The caller's request id when it is safe to log and echo; otherwise a fresh one. */
export function chooseRequestId(incoming: string | string[] | undefined): string {
  const candidate = Array.isArray(incoming) ? incoming[0] : incoming;
  return candidate !== undefined && SANE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}

/**
 * Outermost middleware: gives the request its id and start time, and puts the id on the
 * response before anything else can fail, so even a 500 carries `x-request-id`. Once the
 * answer is decided, a body nobody read is drained within bounds (unread-body.ts), so that
 * the client, still sending, can read the answer.
 */
export function createRequestContext(): AppMiddleware {
  return async (ctx, next) => {
    ctx.state.startedAtMs = performance.now();
    ctx.state.requestId = chooseRequestId(ctx.req.headers[REQUEST_ID_HEADER]);
    ctx.set(REQUEST_ID_HEADER, ctx.state.requestId);
    // Browsers must take our content types at their word (an upload is never run as a script).
    ctx.set('X-Content-Type-Options', 'nosniff');
    try {
      await next();
    } finally {
      discardUnreadBody(ctx.req);
    }
  };
}
