import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig, PROJECT_ROOT, type Config } from '../../../src/config.js';
import { preprocessImage } from '../../../src/preprocess/preprocess.js';
import { createLogger } from '../../../src/logger.js';
import { startService } from '../../../src/main.js';
import { createMetrics } from '../../../src/metrics.js';
import { createApp } from '../../../src/server.js';
import { openStore } from '../../../src/store/open-store.js';
import { CassandraStore } from '../../../src/store/cassandra/cassandra-store.js';
import type { CassandraStoreStats } from '../../../src/store/cassandra/store-stats.js';
import type { PredictionStore } from '../../../src/store/prediction-store.js';
import { createFakeClassifier } from '../../api/support/test-app.js';

/**
 * The real service against the real cluster, in-process (for store access) or as a `serve`
 * process (to SIGKILL it). The classifier is the trained model when app/model has one; before
 * the model is committed, a fixed-answer classifier stands in (the store is what these tests
 * are about). `classifierKind` says which ran.
 */
export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, '.artifacts', 'cassandra');

/** The Cassandra store's counters (spooled, delivered, retries), when the store is one. */
export function storeStats(store: PredictionStore): CassandraStoreStats | null {
  return store instanceof CassandraStore ? store.getStats() : null;
}

export function hasTrainedModel(config: Config): boolean {
  return existsSync(path.join(config.modelDir, 'model.json'));
}

export interface InProcessService {
  readonly url: string;
  readonly store: PredictionStore;
  readonly classifierKind: 'model' | 'fixed';
  shutdown(): Promise<void>;
}

export async function startInProcess(env: Record<string, string>, logName: string): Promise<InProcessService> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: path.join(ARTIFACTS_DIR, `${logName}.log`), sync: false }) });
  if (hasTrainedModel(config)) {
    const service = await startService(config, { logger });
    return { url: service.url, store: service.store, classifierKind: 'model', shutdown: () => service.shutdown('test finished') };
  }
  const storage = await openStore({ config, logger });
  const { store, registry } = storage;
  const app = createApp({ config, store, registry, classifier: createFakeClassifier(), preprocess: preprocessImage, logger, metrics: createMetrics({ defaultMetrics: false }) });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    classifierKind: 'fixed',
    async shutdown() {
      await new Promise((resolve) => server.close(resolve));
      await storage.close();
    },
  };
}

export interface ServeProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the URL from its "listening" log line; rejects with its output if it exits first. */
  readonly listening: Promise<string>;
  readonly exited: Promise<number | null>;
}

/**
 * `mnist serve` as its own process (source via tsx). Without a trained model, the stand-in
 * entry (serve-fixed-classifier.ts) composes the same app with a fixed-answer classifier.
 */
export function spawnServe(env: Record<string, string>): ServeProcess {
  // Not loadConfig(): a test may hand serve a deliberately invalid setting.
  const modelDir = path.resolve(PROJECT_ROOT, env.MODEL_DIR ?? process.env.MODEL_DIR ?? 'app/model');
  const entry = existsSync(path.join(modelDir, 'model.json'))
    ? [path.join(PROJECT_ROOT, 'app/src/cli/index.ts'), 'serve']
    : [path.join(PROJECT_ROOT, 'app/test/cassandra/support/serve-fixed-classifier.ts')];
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const match = /"msg":"listening"/.test(text) ? /"url":"([^"]+)"/.exec(text.slice(text.lastIndexOf('"msg":"listening"') - 2000)) : null;
      if (match) {
        clearInterval(poll);
        resolve(match[1]!);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      reject(new Error(`serve exited (${code}) before listening:\n${text}`));
    });
  });
  listening.catch(() => {});
  return { child, output: () => text, listening, exited };
}

/**
 * `mnist serve` run to its failure with one bad setting: its exit code and output. A serve that
 * hangs instead of exiting fails here, within a minute, not at the suite timeout.
 */
export async function serveFailure(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const serve = spawnServe({ CASSANDRA_STARTUP_TIMEOUT_MS: '3000', ...env });
  const timer = setTimeout(() => serve.child.kill('SIGKILL'), 60_000);
  const code = await serve.exited;
  clearTimeout(timer);
  return { code, output: serve.output() };
}
