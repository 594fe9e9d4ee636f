import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServingView } from './serving/model-serving.js';
import type { PredictionStore, StoreDeliveryStats } from './store/prediction-store.js';

/**
 * The service's Prometheus metrics, on a Registry of their own (never prom-client's global
 * one): two apps in one process, as in tests, must not share or double-register series.
 */
export interface AppMetrics {
  readonly registry: Registry;
  /** Request duration by route template (not raw path, to bound cardinality), method and status. */
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /** Images per classifier batch: shows whether micro-batching engages under load. */
  readonly batchSize: Histogram;
  readonly batchDuration: Histogram;
  readonly predictionsByDigit: Counter<'digit' | 'source'>;
  /** Predictions answered, by the version that answered: the split a canary's share makes visible. */
  readonly predictionsByModel: Counter<'model_version'>;
  /** Model calls by version, role (active, canary, pinned) and outcome (answered, failed). */
  readonly modelCalls: Counter<'model_version' | 'role' | 'outcome'>;
  /** The share of new predictions each serving version takes (1 for the active alone). */
  readonly modelServingShare: Gauge<'model_version' | 'role'>;
  /** The registry's serving revision applied on this replica. */
  readonly modelServingRevision: Gauge;
  readonly storeErrors: Counter<'operation' | 'code'>;
  /** Records accepted but not yet in the primary database (Cassandra spool); 0 when embedded. */
  readonly storeBacklog: Gauge;
  /** Time a caller waited for record(), by where the record went (cassandra, spooled, rejected). */
  readonly storeWriteDuration: Histogram<'outcome'>;
  /** Spooled records delivered to the database, and failed delivery attempts (retried). */
  readonly spoolDelivered: Counter;
  readonly spoolDeliveryRetries: Counter;
  /** Requests refused below the app (parser errors, header timeouts, CONNECT), by error code. */
  readonly clientErrors: Counter<'code'>;
  /** Images waiting for a decoder, and being decoded (bounded by DECODE_QUEUE_MAX and DECODE_CONCURRENCY). */
  readonly decodeQueueDepth: Gauge;
  readonly decodeActive: Gauge;
  /** Upload bytes reserved by requests in progress (bounded by MAX_INFLIGHT_BODY_BYTES). */
  readonly inflightBodyBytes: Gauge;
  /** Hooks the /metrics route runs before rendering, to bring pulled values up to date. */
  readonly beforeScrape: (() => void)[];
  /** Constant 1, labelled with what is running: the way to see backend and model per pod. */
  readonly info: Gauge<'backend' | 'model_version' | 'store'>;
}

export interface MetricsOptions {
  /**
   * Process metrics (CPU, RSS, heap, and event loop lag: nodejs_eventloop_lag_seconds, with
   * the max and percentiles since the last scrape); on by default.
   */
  readonly defaultMetrics?: boolean;
}

/** Creates a fresh registry with every metric the service exports. */
export function createMetrics(options: MetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    beforeScrape: [],
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template, method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    batchSize: new Histogram({
      name: 'classifier_batch_size',
      help: 'Images per classifier batch',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'classifier_batch_duration_seconds',
      help: 'Time to classify one batch',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    predictionsByDigit: new Counter({
      name: 'predictions_total',
      help: 'Predictions answered, by predicted digit and source',
      labelNames: ['digit', 'source'],
      registers,
    }),
    predictionsByModel: new Counter({
      name: 'predictions_by_model_total',
      help: 'Predictions answered, by the model version that answered',
      labelNames: ['model_version'],
      registers,
    }),
    modelCalls: new Counter({
      name: 'model_calls_total',
      help: 'Model calls by version, role (active, canary, or pinned by X-Model-Version) and outcome (answered or failed)',
      labelNames: ['model_version', 'role', 'outcome'],
      registers,
    }),
    modelServingShare: new Gauge({
      name: 'model_serving_share',
      help: 'Share of new predictions routed to each serving model version, by role (active or canary)',
      labelNames: ['model_version', 'role'],
      registers,
    }),
    modelServingRevision: new Gauge({
      name: 'model_serving_revision',
      help: 'The model registry serving revision applied on this replica',
      registers,
    }),
    storeErrors: new Counter({
      name: 'store_errors_total',
      help: 'Prediction store operations that failed, by operation and error code',
      labelNames: ['operation', 'code'],
      registers,
    }),
    storeBacklog: new Gauge({
      name: 'store_backlog_records',
      help: 'Predictions accepted but not yet in the primary database (spool backlog)',
      registers,
    }),
    storeWriteDuration: new Histogram({
      name: 'store_write_duration_seconds',
      help: 'Time a prediction waited for its record to be safe, by outcome (database, spool, rejected)',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    spoolDelivered: new Counter({
      name: 'store_spool_delivered_total',
      help: 'Spooled predictions delivered to the database',
      registers,
    }),
    spoolDeliveryRetries: new Counter({
      name: 'store_spool_delivery_retries_total',
      help: 'Spool delivery attempts that failed and will be retried',
      registers,
    }),
    clientErrors: new Counter({
      name: 'http_client_errors_total',
      help: 'Requests refused before reaching the app (malformed HTTP, header timeout, CONNECT), by error code',
      labelNames: ['code'],
      registers,
    }),
    decodeQueueDepth: new Gauge({
      name: 'image_decode_queue_depth',
      help: 'Images waiting for a decoder',
      registers,
    }),
    decodeActive: new Gauge({
      name: 'image_decode_active',
      help: 'Images being decoded',
      registers,
    }),
    inflightBodyBytes: new Gauge({
      name: 'http_inflight_body_bytes',
      help: 'Upload bytes reserved by requests in progress',
      registers,
    }),
    info: new Gauge({
      name: 'mnist_app_info',
      help: 'Constant 1; labels say which backend, model version and store are running',
      labelNames: ['backend', 'model_version', 'store'],
      registers,
    }),
  };
}

/** Store operations as they appear in the `store_errors_total` metric. */
export type StoreOperation = 'record' | 'get' | 'list' | 'feedback' | 'health';

/**
 * Runs a store call and counts its failure by operation and error code before rethrowing,
 * so the error middleware still decides the status (503 for UnavailableError, 400 for a
 * bad cursor) and the metric shows which operation is failing.
 */
export async function callStore<T>(metrics: AppMetrics, operation: StoreOperation, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    metrics.storeErrors.inc({ operation, code: typeof code === 'string' ? code : 'unknown' });
    throw error;
  }
}

/**
 * Connects a store's optional instrumentation to the metrics: write latency per record() and,
 * for a spooling store, the delivery counters, caught up from its monotonic totals at scrape time.
 */
export function observeStore(metrics: AppMetrics, store: PredictionStore): void {
  store.onWrite?.((event) => metrics.storeWriteDuration.observe({ outcome: event.outcome }, event.durationMs / 1000));
  const readTotals = store.deliveryStats?.bind(store);
  if (readTotals === undefined) return;
  let seen: StoreDeliveryStats = { deliveredTotal: 0, deliveryRetriesTotal: 0 };
  metrics.beforeScrape.push(() => {
    const now = readTotals();
    metrics.spoolDelivered.inc(Math.max(0, now.deliveredTotal - seen.deliveredTotal));
    metrics.spoolDeliveryRetries.inc(Math.max(0, now.deliveryRetriesTotal - seen.deliveryRetriesTotal));
    seen = now;
  });
}

/**
 * Connects model serving to the metrics: every model call by version, role and outcome, and at
 * scrape time the versions serving with their shares and the revision applied.
 */
export function observeServing(metrics: AppMetrics, serving: ServingView): void {
  serving.onCall((event) => metrics.modelCalls.inc({ model_version: event.version, role: event.role, outcome: event.outcome }));
  metrics.beforeScrape.push(() => {
    const status = serving.status();
    metrics.modelServingShare.reset();
    metrics.modelServingShare.set({ model_version: status.active, role: 'active' }, 1 - (status.canary?.weight ?? 0));
    if (status.canary !== null) metrics.modelServingShare.set({ model_version: status.canary.version, role: 'canary' }, status.canary.weight);
    metrics.modelServingRevision.set(status.revision);
  });
}
