import { loadConfig } from '../config.js';
import { loadClassifier } from '../inference/classifier.js';
import { IMAGE_PIXELS } from '../mnist/geometry.js';
import { readMnistTestSet } from '../mnist/mnist-data.js';
import { parseFlags, positiveInt } from './args.js';

const USAGE = `Usage: mnist evaluate [flags]

Runs the 10,000 MNIST test images through the classifier the service uses (same loading,
backend selection, batching and inference thread; TF_BACKEND, BATCH_MAX_SIZE,
BATCH_MAX_WAIT_MS, INFERENCE_THREAD apply) and prints, as its last line, {"accuracy":...,"n":10000,"backend":"...","modelVersion":"..."}.

Flags:
  --model-dir DIR     model to evaluate (default MODEL_DIR, i.e. app/model)
  --concurrency N     classify calls in flight at once (default 256)`;

/** Byte image (0..255, MNIST polarity) to model input (0..1): what the service feeds too. */
function toPixels(image: Uint8Array): Float32Array {
  const pixels = new Float32Array(IMAGE_PIXELS);
  for (let i = 0; i < IMAGE_PIXELS; i++) pixels[i] = image[i]! / 255;
  return pixels;
}

/** Entry point of `mnist evaluate`. */
export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args, { 'model-dir': { type: 'string' }, concurrency: { type: 'string' } }, USAGE);
  if (flags === null) return;
  const config = loadConfig();
  const concurrency = positiveInt('concurrency', flags.concurrency) ?? 256;
  const classifier = await loadClassifier({
    modelDir: flags['model-dir'] ?? config.modelDir,
    backend: config.backend,
    maxBatchSize: config.batchMaxSize,
    maxBatchWaitMs: config.batchMaxWaitMs,
    inferenceThread: config.inferenceThread,
  });
  const batchSizes = new Map<number, number>();
  classifier.onBatch((size) => batchSizes.set(size, (batchSizes.get(size) ?? 0) + 1));
  try {
    const test = await readMnistTestSet();
    const startedAt = performance.now();
    let next = 0;
    let correct = 0;
    const worker = async (): Promise<void> => {
      while (next < test.images.length) {
        const i = next++;
        const result = await classifier.classify(toPixels(test.images[i]!));
        if (result.digit === test.labels[i]) correct += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, test.images.length) }, worker));
    const seconds = (performance.now() - startedAt) / 1000;
    const batches = [...batchSizes.values()].reduce((a, b) => a + b, 0);
    process.stderr.write(
      `evaluated ${test.images.length} images in ${seconds.toFixed(1)} s (${Math.round(test.images.length / seconds)}/s, ` +
        `${batches} batches, mean size ${(test.images.length / batches).toFixed(1)}) on ${classifier.backend}\n`,
    );
    const n = test.images.length;
    process.stdout.write(`${JSON.stringify({ accuracy: correct / n, n, backend: classifier.backend, modelVersion: classifier.modelVersion })}\n`);
  } finally {
    await classifier.dispose();
  }
}
