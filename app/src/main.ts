import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Config } from './config.js';
import { loadClassifier } from './inference/classifier.js';
import type { Classifier } from './inference/classifier-types.js';
import { configureDecoder, preprocessImage } from './preprocess/preprocess.js';
import { createHttpServer } from './http/http-server.js';
import type { AppState } from './http/request-context.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import type { ModelRegistry } from './models/model-registry.js';
import { seedRegistry } from './models/seed-registry.js';
import { beginDraining, createApp } from './server.js';
import { startModelServing, type ModelServing } from './serving/model-serving.js';
import type { ClassifierLoader } from './serving/model-switcher.js';
import { openStore } from './store/open-store.js';
import type { PredictionStore } from './store/prediction-store.js';

/**
 * Composition root: the only place that creates concrete adapters (logger, metrics, store,
 * classifier, HTTP server) and wires them together; and the owner of shutdown order.
 */

/** A started service, as `serve` and the end-to-end tests use it. */
export interface RunningService {
  readonly config: Config;
  readonly logger: Logger;
  readonly app: Koa<AppState>;
  readonly server: Server;
  readonly store: PredictionStore;
  readonly registry: ModelRegistry;
  /** Routes each prediction to the active version or the canary (serving.classifier). */
  readonly classifier: Classifier;
  /** The model versions this replica serves, following the registry. */
  readonly serving: ModelServing;
  /** Why preferred TF.js backends were skipped (empty when the first choice worked). */
  readonly backendFallbacks: readonly string[];
  /** Where it listens, e.g. http://127.0.0.1:3000 (the real port when PORT=0). */
  readonly url: string;
  /** Stops accepting, finishes in-flight requests (bounded), stops following the registry, closes the store, disposes the models. Idempotent. */
  shutdown(reason: string): Promise<void>;
}

export interface StartOptions {
  /** A logger to use instead of one built from config (tests). */
  readonly logger?: Logger;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Waits for in-flight requests, cutting remaining connections after `timeoutMs`. */
async function closeServer(server: Server, timeoutMs: number, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections become idle as their last response ends: close them as they do,
  // so drain time is bounded by in-flight requests, not by the keep-alive timeout.
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  const timer = setTimeout(() => {
    logger.warn({ timeoutMs }, 'shutdown timeout: closing the connections still open');
    server.closeAllConnections();
  }, timeoutMs);
  try {
    await closed;
  } finally {
    clearInterval(sweeper);
    clearTimeout(timer);
  }
}

/** Builds everything from config and starts listening. */
export async function startService(config: Config, options: StartOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  configureDecoder();
  const storage = await openStore({ config, logger });
  const { store, registry } = storage;
  const fallbacks: string[][] = [];
  const loadVersion: ClassifierLoader = async (modelDir) => {
    const loaded = await loadClassifier({
      modelDir,
      backend: config.inferenceBackend,
      cpuThreads: config.inferenceCpuThreads,
      maxBatchSize: config.batchMaxSize,
      maxBatchWaitMs: config.batchMaxWaitMs,
      inferenceThread: config.inferenceThread,
      workers: config.inferenceWorkers,
      decodeConcurrency: config.decodeConcurrency,
      logger,
    });
    fallbacks.push([...loaded.backendFallbacks]);
    return loaded;
  };
  let serving: ModelServing;
  try {
    // An empty registry (a new DATA_DIR or keyspace) starts with the committed model, active.
    const seeded = await seedRegistry(registry, config.modelDir);
    if (seeded.activated) logger.info(seeded, 'model registry seeded with the committed model');
    else logger.debug(seeded, 'model registry ready');
    const { pollMs, cacheDir, replicaName, liveReportMs } = config.modelServing;
    serving = await startModelServing({ registry, load: loadVersion, cacheDir, pollMs, logger, replica: replicaName, liveReportMs });
  } catch (error) {
    await storage.close();
    throw error;
  }
  const classifier = serving.classifier;
  // With the model in a worker thread, uploads are preprocessed there (classifier.recognise);
  // preprocess.ts is imported here either way: sharp must stay loaded by the main thread.
  const app = createApp({ config, store, registry, classifier, serving, preprocess: preprocessImage, logger, metrics });
  const server = createHttpServer(app, config, { logger, metrics });
  let address: AddressInfo;
  try {
    address = await listen(server, config.port, config.host);
  } catch (error) {
    await serving.stop();
    await Promise.allSettled([storage.close(), serving.dispose()]);
    throw error;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason, shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining requests');
      beginDraining(app);
      await closeServer(server, config.shutdownTimeoutMs, logger);
      // Polls and live reports end before the storage closes (the last report goes to the
      // registry); the models are disposed last, as the one classifier was before versions.
      await serving.stop();
      await storage.close();
      await serving.dispose();
      logger.info({ reason }, 'stopped');
    })();
    return stopping;
  };
  return { config, logger, app, server, store, registry, classifier, serving, backendFallbacks: fallbacks[0] ?? [], url: `http://${host}:${address.port}`, shutdown };
}

/**
 * SIGTERM (Kubernetes) and SIGINT (Ctrl-C): the first one drains, then exits 0 (1 if closing
 * failed). Signals often come twice (make forwards SIGTERM to its child as well as the group
 * receiving it), so later ones are logged and ignored until the drain deadline, and requests in
 * flight still finish. Past the deadline, when closing the store or the model hangs, another
 * signal ends the process at once.
 */
export function installSignalHandlers(service: RunningService): void {
  let deadline: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (deadline === undefined) {
      deadline = Date.now() + service.config.shutdownTimeoutMs;
      service.shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          service.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    } else if (Date.now() < deadline) {
      service.logger.warn({ signal, drainDeadlineMs: deadline - Date.now() }, 'signal ignored: already draining');
    } else {
      service.logger.error({ signal }, 'signal after the drain deadline: exiting without finishing the shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
