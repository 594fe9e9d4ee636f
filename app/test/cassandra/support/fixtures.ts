/** Test inputs: complete prediction records for the store, digit PNGs for the API. */
import { readMnistTestSet } from '../../../src/mnist/mnist-data.js';
import { encodeGreyPng } from '../../../src/replay/png-encode.js';
import { newPredictionId } from '../../../src/store/ids.js';
import type { PredictionRecord } from '../../../src/store/prediction-store.js';

/** A complete, valid prediction for tests; every field distinct enough to catch mix-ups. */
export function makePrediction(createdAt: Date = new Date(), overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  const digit = createdAt.getTime() % 10;
  const input = new Uint8Array(784);
  for (let i = 0; i < input.length; i += 1) input[i] = (i * 7 + digit) % 256;
  const probabilities = Array.from({ length: 10 }, (_, d) => (d === digit ? 0.91 : 0.01) + d / 1e6);
  return {
    id: newPredictionId(createdAt),
    createdAt,
    digit,
    confidence: probabilities[digit]!,
    probabilities,
    modelVersion: 'test-model-1',
    input,
    source: 'api',
    latencyMs: 12.34,
    feedbackLabel: null,
    feedbackAt: null,
    ...overrides,
  };
}

/** Real MNIST test digits as the PNGs a client uploads (the first `count`; callers cycle them). */
export async function mnistPngs(count: number): Promise<Buffer[]> {
  const set = await readMnistTestSet();
  return Promise.all(set.images.slice(0, count).map((pixels) => encodeGreyPng(pixels)));
}
