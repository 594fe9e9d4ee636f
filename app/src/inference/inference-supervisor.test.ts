import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../errors.js';
import { IMAGE_PIXELS, NUM_CLASSES } from '../mnist/geometry.js';
import type { InferenceEngine } from './inference-model.js';
import { startWorkerInference, type InferenceLogger, type WorkerInferenceOptions } from './inference-supervisor.js';

/** The supervisor above the worker protocol: real worker threads running a stand-in model. */

const FAKE_WORKER = new URL('../../test/fixtures/fake-inference-worker.ts', import.meta.url);

function makeBatch(firstPixel: number): Float32Array {
  const pixels = new Float32Array(IMAGE_PIXELS);
  pixels[0] = firstPixel;
  return pixels;
}

interface LogLine {
  readonly level: 'info' | 'error';
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

function recordLogs(): { lines: LogLine[]; logger: InferenceLogger } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (fields: object, msg: string) => void lines.push({ level, fields: { ...fields }, msg });
  return { lines, logger: { info: at('info'), error: at('error') } };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

describe('inference in a supervised worker thread', () => {
  const engines: InferenceEngine[] = [];
  const start = async (options: Partial<WorkerInferenceOptions> = {}): Promise<InferenceEngine> => {
    const engine = await startWorkerInference({ modelDir: 'fake', backend: 'auto', warmupBatchSizes: [1], maxBatchSize: 8, maxBatchWaitMs: 0, scriptUrl: FAKE_WORKER, ...options });
    engines.push(engine);
    return engine;
  };
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.dispose()));
  });

  it('is ready once the first worker has loaded, and reports the backend that worker chose', async () => {
    const engine = await start();
    expect(engine.backend).toBe('fake');
    expect(engine.health()).toEqual({ ok: true, detail: expect.stringMatching(/^inference worker thread \d+ on fake$/) });
    expect((await engine.predict(makeBatch(6), 1))[0]).toBe(6);
  });

  it('fails to start, with the worker\'s reason, when the first load fails', async () => {
    await expect(start({ modelDir: 'missing' })).rejects.toThrow(/model-card\.json/);
  });

  it('answers 503 and turns unready when the worker dies, logs it, then restarts it and recovers', async () => {
    const { lines, logger } = recordLogs();
    const engine = await start({ logger, restartDelayMs: 300 });
    await expect(engine.predict(makeBatch(-2), 1)).rejects.toBeInstanceOf(UnavailableError);

    expect(engine.health()).toEqual({ ok: false, detail: expect.stringMatching(/^inference worker restarting \(worker thread \d+ exited with code 3\)$/) });
    const refused = await engine.predict(makeBatch(1), 1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as Error).message).toMatch(/the inference worker is restarting/);
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'inference worker stopped: predictions answer 503 until it is restarted', fields: { reason: 'exited with code 3', restartInMs: 300 } });

    await waitFor(() => engine.health().ok, 'the worker is back');
    expect(lines[1]).toMatchObject({ level: 'info', msg: 'inference worker restarted', fields: { backend: 'fake' } });
    expect((await engine.predict(makeBatch(8), 1))[0]).toBe(8);
  });

  it('replaces a worker whose batch never returns, failing that batch with 503', async () => {
    const { lines, logger } = recordLogs();
    const engine = await start({ logger, batchTimeoutMs: 200, restartDelayMs: 10 });
    const error = await engine.predict(makeBatch(-3), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/a batch of 1 took over 200 ms/);
    await waitFor(() => engine.health().ok, 'the worker is replaced');
    expect(lines.map((l) => l.msg)).toEqual(['inference worker stopped: predictions answer 503 until it is restarted', 'inference worker restarted']);
    expect((await engine.predict(makeBatch(2), 1)).length).toBe(NUM_CLASSES);
  });

  it('doubles the restart delay while workers keep dying young', async () => {
    const { lines, logger } = recordLogs();
    const engine = await start({ logger, restartDelayMs: 20, maxRestartDelayMs: 10_000 });
    for (let death = 0; death < 3; death++) {
      await engine.predict(makeBatch(-2), 1).catch(() => undefined);
      await waitFor(() => engine.health().ok, `restart ${death + 1}`);
    }
    const delays = lines.filter((l) => l.level === 'error').map((l) => l.fields.restartInMs);
    expect(delays).toEqual([20, 40, 80]);
  });

  it('terminates the worker on dispose and never restarts it afterwards', async () => {
    const { lines, logger } = recordLogs();
    const engine = await start({ logger, restartDelayMs: 10 });
    const waiting = engine.predict(makeBatch(1_500), 1).catch((e: unknown) => e);
    await engine.dispose();
    expect(await waiting).toBeInstanceOf(UnavailableError);
    expect(engine.health().ok).toBe(false);
    await expect(engine.predict(makeBatch(1), 1)).rejects.toBeInstanceOf(UnavailableError);
    await sleep(100);
    expect(lines).toEqual([]);
  });
});
