import Router from '@koa/router';
import Koa from 'koa';
import type { AppDeps } from './app-deps.js';
import type { AppState } from './http/request-context.js';
import { createBodyBudget } from './http/body-budget.js';
import { createErrorMiddleware } from './http/error-middleware.js';
import { createRequestContext } from './http/request-context.js';
import { createRequestLog } from './http/request-log.js';
import { createRequestShapeCheck } from './http/request-shape.js';
import { createTimeoutMiddleware } from './http/limits.js';
import { observeServing, observeStore } from './metrics.js';
import { createDecodeLimiter } from './preprocess/decode-limiter.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerModelRoutes } from './routes/models.js';
import { registerPredictRoute } from './routes/predict.js';
import { registerHistoryRoutes } from './routes/predictions.js';
import { registerWebRoutes } from './routes/web.js';

/** Per-app lifecycle flags, kept outside Koa's types. */
const draining = new WeakSet<Koa<AppState>>();

/** From now on /readyz answers 503 so load balancers stop sending traffic (shutdown). */
export function beginDraining(app: Koa<AppState>): void {
  draining.add(app);
}

/** Classifier events and constant labels go to the metrics once, when the app is built. */
function observeRuntime(deps: AppDeps): void {
  const { metrics, classifier, store } = deps;
  // A hot switch changes the active version (and maybe the backend): labels follow at each scrape.
  const setInfo = (): void => {
    metrics.info.reset();
    metrics.info.set({ backend: classifier.backend, model_version: classifier.modelVersion, store: store.kind }, 1);
  };
  setInfo();
  metrics.beforeScrape.push(setInfo);
  observeStore(metrics, store);
  if (deps.serving !== undefined) observeServing(metrics, deps.serving);
  classifier.onBatch((batchSize, durationMs) => {
    metrics.batchSize.observe(batchSize);
    metrics.batchDuration.observe(durationMs / 1000);
  });
}

/**
 * Builds the Koa app: request id -> access log -> the one error middleware -> request shape
 * (Host, Expect...) -> timeout -> routes. Never listens by itself (tests drive
 * `app.callback()`; main.ts builds the server with http/http-server.ts).
 */
export function createApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>({ proxy: false });
  // Errors are already mapped and logged by the error middleware; Koa's own printer is noise.
  app.silent = true;
  app.on('error', (error: unknown) => deps.logger.error({ err: error }, 'koa error outside a request'));
  observeRuntime(deps);

  // What all requests together may hold: upload bytes, and images in or waiting for a decoder.
  const bodyBudget = createBodyBudget(deps.config.maxInflightBodyBytes);
  const { decodeConcurrency, decodeQueueMax } = deps.config;
  // Where uploads are preprocessed in the inference workers, each decodes DECODE_CONCURRENCY at
  // a time (inference-host.ts) and this thread hands them over at once, so that the worker can
  // batch them: as many as could be decoding or waiting; one more is refused (503).
  const decoder = deps.classifier.recognise === undefined
    ? createDecodeLimiter({ concurrency: decodeConcurrency, maxQueued: decodeQueueMax })
    : createDecodeLimiter({ concurrency: decodeConcurrency + decodeQueueMax, maxQueued: 0 });
  deps.metrics.beforeScrape.push(() => {
    deps.metrics.decodeQueueDepth.set(decoder.queued);
    deps.metrics.decodeActive.set(decoder.active);
    deps.metrics.inflightBodyBytes.set(bodyBudget.reservedBytes);
  });

  const router = new Router<AppState>();
  registerWebRoutes(router);
  registerPredictRoute(router, { ...deps, bodyBudget, decoder });
  registerHistoryRoutes(router, deps);
  registerModelRoutes(router, deps);
  registerHealthRoutes(router, deps, () => draining.has(app));
  registerMetricsRoute(router, deps);

  app.use(createRequestContext());
  app.use(createRequestLog(deps.logger, deps.metrics));
  app.use(createErrorMiddleware(deps.logger));
  app.use(createRequestShapeCheck());
  app.use(createTimeoutMiddleware(deps.config.requestTimeoutMs));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
