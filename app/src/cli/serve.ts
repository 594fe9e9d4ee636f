import { loadConfig } from '../config.js';
import { installSignalHandlers, startService } from '../main.js';
import { parseFlags } from './args.js';
import { findMissingRuntimeSettings } from './serve-runtime.js';

const USAGE = `Usage: mnist serve

Serves the web page and the API. Configuration comes from environment variables only:
  PORT (3000), HOST (0.0.0.0), LOG_LEVEL (info), MODEL_DIR (app/model), INFERENCE_BACKEND (auto),
  INFERENCE_CPU_THREADS (0), INFERENCE_THREAD (worker), INFERENCE_WORKERS (1), BATCH_MAX_SIZE,
  BATCH_MAX_WAIT_MS, MAX_BODY_BYTES, MAX_INFLIGHT_BODY_BYTES, MAX_INPUT_PIXELS, MAX_IMAGE_SIDE_PX,
  MAX_IMAGE_FRAMES, DECODE_TIMEOUT_MS, DECODE_CONCURRENCY, DECODE_QUEUE_MAX, MAX_CONNECTIONS,
  HEADERS_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS, DATA_DIR (embedded store, the default),
  CASSANDRA_CONTACT_POINTS and CASSANDRA_* (Cassandra store), SPOOL_*.
Start it with MALLOC_ARENA_MAX=2 NODE_OPTIONS=--max-semi-space-size=4 (as make run and the
image do) to keep its memory bounded.
The first SIGTERM or SIGINT drains in-flight requests, closes the store and exits 0; later
ones are ignored until SHUTDOWN_TIMEOUT_MS has passed.`;

/** `mnist serve`: load config (a bad value exits 1 naming the variable), start, log where. */
export async function run(args: string[]): Promise<void> {
  if (parseFlags(args, {}, USAGE) === null) return;
  const config = loadConfig();
  const service = await startService(config);
  installSignalHandlers(service);
  service.logger.info(
    {
      url: service.url,
      port: Number(new URL(service.url).port),
      store: service.store.kind,
      backend: service.classifier.backend,
      inferenceThread: service.config.inferenceThread,
      modelVersion: service.classifier.modelVersion,
      backendFallbacks: service.backendFallbacks,
    },
    'listening',
  );
  const missing = findMissingRuntimeSettings(process.env, process.execArgv);
  if (missing.length > 0) {
    service.logger.warn({ missing }, 'started without the memory settings of make run and the image: RSS may grow past 300 MB under load');
  }
}
