import type Router from '@koa/router';
import type { AppState } from '../http/request-context.js';
import type { AppDeps } from '../app-deps.js';
import { checkStore } from './health.js';

/** `GET /metrics`: Prometheus text format from the app's own registry. */
export function registerMetricsRoute(router: Router<AppState>, deps: Pick<AppDeps, 'store' | 'metrics'>): void {
  const { registry } = deps.metrics;
  router.get('/metrics', async (ctx) => {
    // The backlog lives in the store; read it at scrape time so the gauge is never stale.
    await checkStore(deps);
    for (const hook of deps.metrics.beforeScrape) hook();
    ctx.set('Content-Type', registry.contentType);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await registry.metrics();
  });
}
