import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { loadConfig } from '../../src/config.js';
import { Batcher } from '../../src/inference/batcher.js';
import { IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES, type DigitPixels } from '../../src/mnist/geometry.js';
import type { Classification, Classifier } from '../../src/inference/classifier-types.js';
import { readModelCard } from '../../src/model/model-card.js';
import { preprocessImage } from '../../src/preprocess/preprocess.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { createApp } from '../../src/server.js';
import { openStore } from '../../src/store/open-store.js';
import { ONNX_INPUT, ONNX_OUTPUT } from '../onnx/layers-to-onnx.js';
import { errorMessage } from '../../src/errors.js';

/**
 * A what-if, not the service: the real app (createApp, preprocessing, store, routes, metrics)
 * with one part swapped, inference on onnxruntime-node (the converted model, behind the same
 * dynamic batcher) instead of TF.js wasm. It measures how much of the end-to-end gap the
 * classifier accounts for. `node dist/app/bench/e2e/ort-service.js --onnx FILE [--threads 1]`,
 * configured like `serve` (PORT, HOST, DATA_DIR, BATCH_MAX_SIZE...).
 */

async function createOrtClassifier(onnxFile: string, threads: number, modelDir: string, maxBatchSize: number, maxBatchWaitMs: number): Promise<Classifier> {
  const session = await ort.InferenceSession.create(onnxFile, { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
  const card = await readModelCard(modelDir);
  const runBatch = async (inputs: readonly DigitPixels[]): Promise<Classification[]> => {
    const n = inputs.length;
    const flat = new Float32Array(n * IMAGE_PIXELS);
    inputs.forEach((pixels, i) => flat.set(pixels, i * IMAGE_PIXELS));
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', flat, [n, IMAGE_SIZE, IMAGE_SIZE, 1]) });
    const probs = out[ONNX_OUTPUT]!.data as Float32Array;
    return inputs.map((_, i) => {
      const probabilities = Array.from(probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES));
      const digit = probabilities.indexOf(Math.max(...probabilities));
      return { digit, confidence: probabilities[digit]!, probabilities };
    });
  };
  const batcher = new Batcher<DigitPixels, Classification>({ runBatch, maxBatchSize, maxBatchWaitMs });
  return {
    backend: `onnxruntime-${threads}thread`,
    modelVersion: card.version,
    classify: (pixels) => batcher.submit(pixels),
    onBatch: (listener) => batcher.onBatch(listener),
    async dispose() {
      await batcher.dispose();
      await session.release();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { onnx: { type: 'string' }, threads: { type: 'string' } } });
  if (values.onnx === undefined) throw new Error('usage: ort-service --onnx FILE [--threads 1]');
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const store = await openStore({ config, logger });
  const classifier = await createOrtClassifier(values.onnx, Number(values.threads ?? 1), config.modelDir, config.batchMaxSize, config.batchMaxWaitMs);
  const app = createApp({ config, store, classifier, preprocess: preprocessImage, logger, metrics: createMetrics() });
  const server = createServer(app.callback()).listen(config.port, config.host);
  const stop = (): void => {
    server.close(() => void Promise.all([store.close(), classifier.dispose()]).then(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`ort-service: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
