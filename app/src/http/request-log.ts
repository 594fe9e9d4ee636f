import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { AppMetrics } from '../metrics.js';
import type { AppContext, AppMiddleware } from './request-context.js';

/**
 * The route template that matched (`/api/predictions/:id`), never the raw path: ids in
 * metric labels would grow the series without bound.
 */
export function routeLabelOf(ctx: AppContext): string {
  // Set by @koa/router on the context it routed; absent when no route matched.
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof matched === 'string' ? matched : 'unmatched';
}

/**
 * One structured log line and one histogram observation per request, taken after the
 * error middleware has settled the final status. Sits just inside request-context.ts.
 */
export function createRequestLog(logger: Logger, metrics: AppMetrics): AppMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      const durationMs = performance.now() - ctx.state.startedAtMs;
      const route = routeLabelOf(ctx);
      const status = ctx.status;
      metrics.httpRequestDuration.observe({ method: ctx.method, route, status: String(status) }, durationMs / 1000);
      const line = {
        requestId: ctx.state.requestId,
        method: ctx.method,
        route,
        path: ctx.path,
        status,
        durationMs: Math.round(durationMs * 100) / 100,
      };
      if (status >= 500) logger.warn(line, 'request');
      else logger.info(line, 'request');
    }
  };
}
