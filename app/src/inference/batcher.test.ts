import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../errors.js';
import { Batcher } from './batcher.js';

/** A fake model: every batch waits until the test releases it; records what it was given. */
function controllableRunBatch() {
  const calls: number[][] = [];
  const releases: Array<(error?: Error) => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const runBatch = (inputs: readonly number[]): Promise<number[]> => {
    calls.push([...inputs]);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise((resolve, reject) => {
      releases.push((error) => {
        inFlight -= 1;
        if (error) reject(error);
        else resolve(inputs.map((x) => x * 10));
      });
    });
  };
  return { runBatch, calls, releases, maxInFlight: () => maxInFlight };
}

/** Lets promise callbacks run without moving the fake clock. */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

describe('Batcher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = (maxBatchSize: number, maxBatchWaitMs: number) => {
    const fake = controllableRunBatch();
    const batcher = new Batcher<number, number>({ runBatch: fake.runBatch, maxBatchSize, maxBatchWaitMs, now: () => Date.now() });
    return { ...fake, batcher };
  };

  it('runs a lone request at once as a batch of one, without waiting for the max wait', async () => {
    const { batcher, calls, releases } = make(32, 1000);
    const result = batcher.submit(7);
    await settle();
    expect(calls).toEqual([[7]]);
    releases[0]!();
    await expect(result).resolves.toBe(70);
  });

  it('gives calls made in the same turn one batch, each caller its own output in order', async () => {
    const { batcher, calls, releases } = make(32, 5);
    const results = [1, 2, 3, 4, 5].map((x) => batcher.submit(x));
    await settle();
    expect(calls).toEqual([[1, 2, 3, 4, 5]]);
    releases[0]!();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40, 50]);
  });

  it('queues arrivals while a batch runs and splits them into batches of at most maxBatchSize', async () => {
    const { batcher, calls, releases, maxInFlight } = make(4, 5);
    const first = batcher.submit(0);
    await settle();
    const later = Array.from({ length: 10 }, (_, i) => batcher.submit(i + 1));
    await settle();
    expect(calls).toEqual([[0]]);
    expect(batcher.queued).toBe(10);
    releases[0]!();
    await settle();
    expect(calls[1]).toEqual([1, 2, 3, 4]);
    releases[1]!();
    await settle();
    expect(calls[2]).toEqual([5, 6, 7, 8]);
    releases[2]!();
    await settle();
    // Two left, fresh on the clock: they wait for the max wait before running as a partial batch.
    expect(calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(5);
    expect(calls[3]).toEqual([9, 10]);
    releases[3]!();
    await expect(first).resolves.toBe(0);
    await expect(Promise.all(later)).resolves.toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(maxInFlight()).toBe(1);
  });

  it('holds a partial batch no longer than maxBatchWaitMs after its oldest request arrived', async () => {
    const { batcher, calls, releases } = make(8, 20);
    batcher.submit(1);
    await settle();
    batcher.submit(2);
    await vi.advanceTimersByTimeAsync(5);
    batcher.submit(3);
    releases[0]!();
    await settle();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(14);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls[1]).toEqual([2, 3]);
  });

  it('runs the queue at once when it waited through the previous batch longer than the max wait', async () => {
    const { batcher, calls, releases } = make(8, 2);
    batcher.submit(1);
    await settle();
    batcher.submit(2);
    await vi.advanceTimersByTimeAsync(30);
    releases[0]!();
    await settle();
    expect(calls[1]).toEqual([2]);
  });

  it('dispatches a waiting partial batch as soon as it fills up', async () => {
    const { batcher, calls, releases } = make(3, 1000);
    batcher.submit(1);
    await settle();
    batcher.submit(2);
    releases[0]!();
    await settle();
    expect(calls).toHaveLength(1);
    batcher.submit(3);
    batcher.submit(4);
    await settle();
    expect(calls[1]).toEqual([2, 3, 4]);
  });

  it('rejects exactly the callers of a failed batch and serves the next batch normally', async () => {
    const { batcher, releases } = make(2, 0);
    const a = batcher.submit(1);
    await settle();
    const b = [batcher.submit(2), batcher.submit(3)];
    releases[0]!(new Error('out of memory'));
    await expect(a).rejects.toThrow('out of memory');
    await settle();
    releases[1]!();
    await expect(Promise.all(b)).resolves.toEqual([20, 30]);
  });

  it('rejects the whole batch when runBatch returns the wrong number of outputs', async () => {
    const batcher = new Batcher<number, number>({ runBatch: async () => [1], maxBatchSize: 4, maxBatchWaitMs: 0 });
    const settled = Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    await settle();
    const outcomes = await settled;
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    for (const o of outcomes) expect(o.status === 'rejected' && String(o.reason)).toMatch(/1 outputs for 2 inputs/);
  });

  it('on dispose, rejects what is queued with UnavailableError, finishes the batch in flight and refuses new work', async () => {
    const { batcher, releases } = make(1, 0);
    const inFlight = batcher.submit(1);
    await settle();
    const queued = batcher.submit(2);
    const disposed = batcher.dispose();
    await expect(queued).rejects.toBeInstanceOf(UnavailableError);
    await expect(batcher.submit(3)).rejects.toBeInstanceOf(UnavailableError);
    releases[0]!();
    await expect(inFlight).resolves.toBe(10);
    await expect(disposed).resolves.toBeUndefined();
  });

  it('tells listeners each batch size and how long it ran, even when a listener throws', async () => {
    const { batcher, releases } = make(8, 0);
    const seen: Array<[number, number]> = [];
    batcher.onBatch(() => {
      throw new Error('broken metrics');
    });
    batcher.onBatch((size, ms) => seen.push([size, ms]));
    const results = [batcher.submit(1), batcher.submit(2), batcher.submit(3)];
    await settle();
    await vi.advanceTimersByTimeAsync(12);
    releases[0]!();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30]);
    expect(seen).toEqual([[3, 12]]);
  });

  it('refuses a batch size below one or a negative wait', () => {
    const runBatch = async (xs: readonly number[]) => xs;
    expect(() => new Batcher({ runBatch, maxBatchSize: 0, maxBatchWaitMs: 0 })).toThrow(RangeError);
    expect(() => new Batcher({ runBatch, maxBatchSize: 1, maxBatchWaitMs: -1 })).toThrow(RangeError);
  });
});
