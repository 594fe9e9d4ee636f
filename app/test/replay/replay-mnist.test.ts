import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { IMAGE_PIXELS } from '../../src/mnist/geometry.js';
import { readMnistTestSet, type MnistSet } from '../../src/mnist/mnist-data.js';
import { preprocessImage } from '../../src/preprocess/preprocess.js';
import { WHOLE } from '../../src/replay/plan.js';
import { encodeGreyPng } from '../../src/replay/png-encode.js';
import type { ReplayReport } from '../../src/replay/report.js';
import { runReplay } from '../../src/replay/run-replay.js';
import { startReplayApp, type ReplayApp } from './support/replay-app.js';

/**
 * The replay of MNIST test images against the real service (real classifier, preprocessing
 * and embedded store on loopback), checked image by image against:
 *  - `mnist evaluate`'s path: the same classifier fed the raw pixels / 255;
 *  - the service's own pipeline run in-process on the same PNG (preprocess, classify), which
 *    isolates the replay tool: any difference there would be the tool's (wrong item, label).
 * REPLAY_TEST_IMAGES=10000 runs the whole test set; the default subset keeps the suite short.
 */

const IMAGES = Number(process.env.REPLAY_TEST_IMAGES ?? 2000);

/** evaluate.ts's conversion: byte image (MNIST polarity) -> model input 0..1. */
function toPixels(image: Uint8Array): Float32Array {
  const pixels = new Float32Array(IMAGE_PIXELS);
  for (let i = 0; i < IMAGE_PIXELS; i++) pixels[i] = image[i]! / 255;
  return pixels;
}

describe(`replay of the first ${IMAGES} MNIST test images against the real service`, () => {
  let app: ReplayApp;
  let test: MnistSet;
  let report: ReplayReport;
  const replayed = new Map<number, number | undefined>();

  beforeAll(async () => {
    app = await startReplayApp();
    test = await readMnistTestSet();
    ({ report } = await runReplay({
      url: app.url,
      source: 'mnist',
      load: { kind: 'closed', concurrency: 16 },
      stop: { requests: IMAGES },
      shard: WHOLE,
      verify: true,
      timeoutMs: 60_000,
      progress: null,
      onSample: (sample) => replayed.set(sample.item.sourceIndex, sample.outcome.digit),
    }));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('gets a recorded 201 for every image and reads every record back', () => {
    expect(report).toMatchObject({ requests: IMAGES, ok: IMAGES, errors: 0, lost: 0, verified: IMAGES, labelled: IMAGES });
    expect(report.modelVersions).toEqual({ [app.classifier.modelVersion]: IMAGES });
    expect(report.histogram.count).toBe(IMAGES);
  });

  it('answers each image as the service pipeline does in-process on the same PNG', async () => {
    const differing: number[] = [];
    for (let i = 0; i < IMAGES; i += 1) {
      const input = await preprocessImage(await encodeGreyPng(test.images[i]!), loadConfig({}));
      if ((await app.classifier.classify(input.pixels)).digit !== replayed.get(i)) differing.push(i);
    }
    expect(differing).toEqual([]);
  });

  it("answers each image as evaluate's raw-pixel path does, so accuracy equals make evaluate's", async () => {
    const direct = await Promise.all(test.images.slice(0, IMAGES).map((image) => app.classifier.classify(toPixels(image))));
    const differing = direct.flatMap((answer, i) => (answer.digit === replayed.get(i) ? [] : [{ image: i, label: test.labels[i], evaluate: answer.digit, replay: replayed.get(i) }]));
    expect(differing).toEqual([]);
    const evaluateCorrect = direct.filter((answer, i) => answer.digit === test.labels[i]).length;
    expect(report.correct).toBe(evaluateCorrect);
    expect(report.accuracy).toBeCloseTo(evaluateCorrect / IMAGES, 6);
  });
});
