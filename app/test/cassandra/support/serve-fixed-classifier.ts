/**
 * Test-only stand-in for `mnist serve` while app/model has no trained model: the same config,
 * store, routes and log lines, with a fixed-answer classifier. Used by spawnServe().
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../src/config.js';
import { preprocessImage } from '../../../src/preprocess/preprocess.js';
import { errorMessage, StartupError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { createApp } from '../../../src/server.js';
import { openStore } from '../../../src/store/open-store.js';
import { createFakeClassifier } from '../../api/support/test-app.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const storage = await openStore({ config, logger });
  const { store, registry } = storage;
  const app = createApp({ config, store, registry, classifier: createFakeClassifier(), preprocess: preprocessImage, logger, metrics: createMetrics() });
  const server = createServer(app.callback());
  server.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    logger.info({ url: `http://127.0.0.1:${port}`, store: store.kind, backend: 'fixed' }, 'listening');
  });
  process.once('SIGTERM', () => {
    server.close(() => void storage.close().then(() => process.exit(0)));
  });
}

main().catch((error: unknown) => {
  const message = errorMessage(error);
  process.stderr.write(`mnist: ${error instanceof StartupError ? message : `unexpected error: ${message}`}\n`);
  process.exitCode = 1;
});
