import { loadConfig } from '../config.js';
import { installSignalHandlers, startService } from '../main.js';
import { parseFlags } from './args.js';

const USAGE = `Usage: mnist serve

Serves the web page and the API. Configuration comes from environment variables only:
  PORT (3000), HOST (0.0.0.0), LOG_LEVEL (info), MODEL_DIR (app/model), INFERENCE_BACKEND (auto),
  INFERENCE_CPU_THREADS (1), INFERENCE_THREAD (worker), INFERENCE_WORKERS (1), BATCH_MAX_SIZE, BATCH_MAX_WAIT_MS, MAX_BODY_BYTES, MAX_INPUT_PIXELS,
  REQUEST_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS, DATA_DIR (embedded store, the default),
  CASSANDRA_CONTACT_POINTS and CASSANDRA_* (Cassandra store), SPOOL_*.
SIGTERM or SIGINT drains in-flight requests, closes the store and exits 0.`;

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
}
