import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { UnavailableError } from '../errors.js';
import type { ClassifierHealth } from './classifier-types.js';
import type { InferenceEngine, RawRecognition } from './inference-model.js';
import { InferencePool } from './inference-pool.js';

/** An engine whose requests wait until released, and whose health the test sets. */
class HeldEngine implements InferenceEngine {
  readonly backend = 'fake';
  readonly backendFallbacks = [];
  readonly modelVersion = 'v1';
  readonly taken: string[] = [];
  up = true;
  disposed = false;
  private readonly held: (() => void)[] = [];
  private readonly listeners: ((size: number, durationMs: number) => void)[] = [];

  constructor(readonly name: string) {}

  async predict(): Promise<Float32Array> {
    if (!this.up) throw new UnavailableError(`${this.name} is restarting`);
    this.taken.push('predict');
    await new Promise<void>((resolve) => this.held.push(resolve));
    return new Float32Array(10);
  }
  async recognise(): Promise<RawRecognition> {
    await this.predict();
    return { input: new Uint8Array(784), probabilities: new Float32Array(10) };
  }
  onBatch(listener: (size: number, durationMs: number) => void): void {
    this.listeners.push(listener);
  }
  emitBatch(size: number): void {
    for (const listener of this.listeners) listener(size, 1);
  }
  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
  health(): ClassifierHealth {
    return { ok: this.up, detail: `${this.name} ${this.up ? 'up' : 'restarting'}` };
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

const LIMITS = loadConfig({});

describe('a pool of inference workers', () => {
  it('gives each request to the live worker with the fewest requests in flight', async () => {
    const [a, b] = [new HeldEngine('a'), new HeldEngine('b')];
    const pool = new InferencePool([a, b]);
    const calls = [pool.recognise(new Uint8Array(1), LIMITS), pool.recognise(new Uint8Array(1), LIMITS), pool.predict(new Float32Array(784), 1)];
    expect([a.taken.length, b.taken.length]).toEqual([2, 1]);
    a.release();
    b.release();
    await Promise.all(calls);
    // All finished: the next request goes to the first worker again.
    const next = pool.predict(new Float32Array(784), 1);
    expect([a.taken.length, b.taken.length]).toEqual([3, 1]);
    a.release();
    await next;
  });

  it('sends nothing to a restarting worker, and answers 503 only when none is up', async () => {
    const [a, b] = [new HeldEngine('a'), new HeldEngine('b')];
    const pool = new InferencePool([a, b]);
    a.up = false;
    const first = pool.recognise(new Uint8Array(1), LIMITS);
    const second = pool.recognise(new Uint8Array(1), LIMITS);
    expect([a.taken.length, b.taken.length]).toEqual([0, 2]);
    b.release();
    await Promise.all([first, second]);
    expect(pool.health()).toEqual({ ok: true, detail: '1/2 inference workers up: a restarting; b up' });
    b.up = false;
    await expect(pool.recognise(new Uint8Array(1), LIMITS)).rejects.toThrow(/a is restarting/);
    expect(pool.health().ok).toBe(false);
  });

  it('reports every worker\'s batches, speaks as its first worker, and disposes them all', async () => {
    const [a, b] = [new HeldEngine('a'), new HeldEngine('b')];
    const pool = new InferencePool([a, b]);
    const sizes: number[] = [];
    pool.onBatch((size) => sizes.push(size));
    a.emitBatch(3);
    b.emitBatch(5);
    expect(sizes).toEqual([3, 5]);
    expect(new InferencePool([a]).health()).toEqual({ ok: true, detail: 'a up' });
    expect([pool.backend, pool.modelVersion]).toEqual(['fake', 'v1']);
    await pool.dispose();
    expect([a.disposed, b.disposed]).toEqual([true, true]);
  });
});
