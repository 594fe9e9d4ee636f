import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { craftPngClaimingSize } from '../../test/fixtures/crafted-png.js';
import { drawDigitPng } from '../../test/fixtures/draw-digit.js';
import { loadConfig } from '../config.js';
import { EmptyImageError, PayloadTooLargeError, UnavailableError, UnsupportedImageError } from '../errors.js';
import { IMAGE_PIXELS, NUM_CLASSES } from '../mnist/geometry.js';
import { preprocessImage } from '../preprocess/preprocess.js';
import { InferenceError, startInferenceThread, type InferenceThread } from './inference-thread.js';

/** The main-thread side of the worker protocol, against real worker threads running a stand-in model. */

const FAKE_WORKER = new URL('../../test/fixtures/fake-inference-worker.ts', import.meta.url);
const LIMITS = loadConfig({});

/** `count` images whose first pixels are `firstPixels` (a command for the fake, or an echo tag). */
function makeBatch(...firstPixels: number[]): Float32Array {
  const pixels = new Float32Array(firstPixels.length * IMAGE_PIXELS);
  firstPixels.forEach((value, i) => (pixels[i * IMAGE_PIXELS] = value));
  return pixels;
}

function readEchoes(probabilities: Float32Array): number[] {
  return Array.from({ length: probabilities.length / NUM_CLASSES }, (_, i) => probabilities[i * NUM_CLASSES]!);
}

describe('an inference worker thread', () => {
  const threads: InferenceThread[] = [];
  const start = async (modelDir = 'fake'): Promise<InferenceThread> => {
    const thread = await startInferenceThread({ modelDir, backend: 'auto', warmupBatchSizes: [1, 8], maxBatchSize: 8, maxBatchWaitMs: 0, scriptUrl: FAKE_WORKER });
    threads.push(thread);
    return thread;
  };
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((t) => t.terminate('test over')));
  });

  it('reports what the worker loaded: its backend, fallbacks and model version', async () => {
    const thread = await start();
    expect(thread).toMatchObject({ backend: 'fake', backendFallbacks: ['tensorflow: not here'], modelVersion: 'fake-1-8' });
    expect(thread.threadId).toBeGreaterThan(0);
  });

  it('rejects with the worker\'s reason when the model cannot be loaded', async () => {
    await expect(start('missing')).rejects.toThrow(/model-card\.json/);
  });

  it('gives each batch its own answer when a later batch finishes first', async () => {
    const thread = await start();
    const slow = thread.predict(makeBatch(1_150, 7, 8), 3);
    const fast = thread.predict(makeBatch(1_000, 9), 2);
    const order: string[] = [];
    const [slowResult, fastResult] = await Promise.all([slow.then((r) => (order.push('slow'), r)), fast.then((r) => (order.push('fast'), r))]);
    expect(order).toEqual(['fast', 'slow']);
    expect(readEchoes(slowResult)).toEqual([1_150, 7, 8]);
    expect(readEchoes(fastResult)).toEqual([1_000, 9]);
  });

  it('moves the batch to the worker instead of copying it', async () => {
    const thread = await start();
    const pixels = makeBatch(5);
    const result = thread.predict(pixels, 1);
    expect(pixels.byteLength).toBe(0);
    expect(readEchoes(await result)).toEqual([5]);
  });

  it('rejects only the failing batch, with the worker\'s error, and keeps serving', async () => {
    const thread = await start();
    const failing = thread.predict(makeBatch(-1, 2), 2);
    const fine = thread.predict(makeBatch(3), 1);
    const error = await failing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceError);
    expect((error as Error).message).toBe('RangeError: the fake model refuses this batch');
    expect(readEchoes(await fine)).toEqual([3]);
    expect(readEchoes(await thread.predict(makeBatch(4), 1))).toEqual([4]);
  });

  it('recognises uploads in the worker: preprocessed as on this thread, batched together, each caller its own answer', async () => {
    const thread = await start('fake-hold');
    const batches: number[] = [];
    thread.onBatch((size) => batches.push(size));
    const [busy, ...pngs] = await Promise.all([1, 4, 7, 0].map((digit) => drawDigitPng(digit)));
    // A first upload holds the model until the -5 batch: the three sent next queue behind it, as
    // under load, whatever the scheduler does between their messages. The ping is answered from
    // a timer, after the worker's batcher has dispatched the first upload (setImmediate).
    const first = thread.recognise(busy!, LIMITS);
    await thread.predict(makeBatch(1_000), 1);
    const answering = Promise.all(pngs.map((png) => thread.recognise(png, LIMITS)));
    await thread.predict(makeBatch(-5), 1); // handled after the three uploads: all queued by now
    await first;
    const answers = await answering;
    for (const [i, png] of pngs.entries()) {
      const here = await preprocessImage(png, LIMITS);
      expect(Buffer.compare(Buffer.from(answers[i]!.input), Buffer.from(here.input))).toBe(0);
      // The stand-in model echoes each image's first pixel as its probability of 0.
      expect(readEchoes(answers[i]!.probabilities)).toEqual([here.pixels[0]]);
      expect(png.length).toBeGreaterThan(0);
    }
    // Queued together, the three uploads were classified in one model call.
    expect(batches).toEqual([1, 3]);
  });

  it('rejects a bad upload with the same named 4xx error this thread would throw, and keeps serving', async () => {
    const thread = await start();
    const blank = await sharp({ create: { width: 280, height: 280, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const cases = [
      [Buffer.from('%PDF-1.7 not an image'), UnsupportedImageError],
      [craftPngClaimingSize(5000, 5000), PayloadTooLargeError],
      [blank, EmptyImageError],
    ] as const;
    for (const [bytes, ErrorClass] of cases) {
      const here = (await preprocessImage(bytes, LIMITS).catch((e: unknown) => e)) as Error;
      const there = (await thread.recognise(bytes, LIMITS).catch((e: unknown) => e)) as Error;
      expect(there).toBeInstanceOf(ErrorClass);
      expect(there.message).toBe(here.message);
    }
    // The worker keeps serving after refusing images.
    expect(readEchoes(await thread.predict(makeBatch(6), 1))).toEqual([6]);
  });

  it('rejects every waiting batch with UnavailableError when the worker exits mid-batch', async () => {
    const thread = await start();
    const waiting = thread.predict(makeBatch(1_500), 1);
    const crashing = thread.predict(makeBatch(-2), 1);
    await expect(crashing).rejects.toBeInstanceOf(UnavailableError);
    await expect(waiting).rejects.toThrow(/inference worker stopped: exited with code 3/);
    expect(await thread.stopped).toBe('exited with code 3');
    await expect(thread.predict(makeBatch(1), 1)).rejects.toBeInstanceOf(UnavailableError);
  });

  it('names an uncaught exception in the worker as the reason it stopped', async () => {
    const thread = await start();
    const waiting = thread.predict(makeBatch(1_500), 1);
    // Its own answer races the crash: whichever wins, only `waiting` is under test.
    void thread.predict(makeBatch(-4), 1).catch(() => undefined);
    await expect(waiting).rejects.toThrow(/uncaught TypeError: fake worker blew up outside a request/);
    expect(await thread.stopped).toMatch(/^uncaught TypeError/);
  });

  it('rejects a batch that would never finish when the thread is terminated', async () => {
    const thread = await start();
    const hung = thread.predict(makeBatch(-3), 1).catch((e: unknown) => e);
    await thread.terminate('shutting down for the test');
    const error = await hung;
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toBe('the inference worker stopped: shutting down for the test');
    expect(await thread.stopped).toBe('shutting down for the test');
  });
});
