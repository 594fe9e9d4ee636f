import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import type { LifecycleDeps } from '../lifecycle/lifecycle-deps.js';
import { seedRegistry } from '../models/seed-registry.js';
import { openStore } from '../store/open-store.js';

/**
 * The composition root of the lifecycle commands (retrain, gate, canary, promote): the store
 * and registry opened from the same configuration as `mnist serve` (DATA_DIR, or CASSANDRA_*),
 * an empty registry seeded with the committed model as the service seeds it, progress and logs
 * on stderr (stdout carries only the command's JSON line).
 */

export interface LifecycleRuntime {
  readonly deps: LifecycleDeps;
  close(): Promise<void>;
}

export async function openLifecycle(config: Config): Promise<LifecycleRuntime> {
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, destination: process.stderr });
  const storage = await openStore({ config, logger });
  try {
    await seedRegistry(storage.registry, config.modelDir);
  } catch (error) {
    await storage.close();
    throw error;
  }
  return {
    deps: {
      registry: storage.registry,
      store: storage.store,
      inference: { backend: config.inferenceBackend, cpuThreads: config.inferenceCpuThreads },
      log: (line) => void process.stderr.write(`${line}\n`),
    },
    close: () => storage.close(),
  };
}

/** Opens the runtime, runs `work` with it, and closes it whatever happens. */
export async function withLifecycle<T>(config: Config, work: (deps: LifecycleDeps) => Promise<T>): Promise<T> {
  const runtime = await openLifecycle(config);
  try {
    return await work(runtime.deps);
  } finally {
    await runtime.close();
  }
}

/** The command's result as its last stdout line. */
export function printResult(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
