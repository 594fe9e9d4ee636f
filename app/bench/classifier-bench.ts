import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { parseFlags, positiveInt } from '../src/cli/args.js';
import { loadConfig, PROJECT_ROOT, type InferenceBackendChoice } from '../src/config.js';
import { loadClassifier, type LoadedClassifier } from '../src/inference/classifier.js';
import { MODEL_ONNX } from '../src/model/onnx/export-onnx.js';
import { IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES, type DigitPixels } from '../src/mnist/geometry.js';
import { readMnistTestSet } from '../src/mnist/mnist-data.js';
import { measureRate, median, round, type RateResult } from './measure.js';
import { SERVICE_PREFIX } from './report-targets.js';
import { ONNX_INPUT, ONNX_OUTPUT } from '../src/model/onnx/layers-to-onnx.js';
import { errorMessage } from '../src/errors.js';

/**
 * Classifier alone: images/s at batch 1, 8, 32, 128. The service's own classifier
 * (loadClassifier: backend selection as INFERENCE_BACKEND=auto makes it, the inference worker
 * thread, the dynamic batcher; B calls submitted together form one batch of B), and the TF.js
 * wasm classifier it falls back to, against the reference: the same model.onnx under a bare
 * onnxruntime-node session in this thread with the same per-batch work (pack the inputs, run,
 * split the probabilities), at its default threads (one per core) and at one thread.
 * Rounds alternate the runtimes so that load from other processes hits them alike.
 */

const USAGE = `Usage: classifier-bench [--onnx app/model/model.onnx] [--model-dir app/model] [--backend auto] [--seconds 2]
  [--rounds 3] [--batches 1,8,32,128] [--out .bench/classifier.json]`;

export interface ClassifierRow {
  readonly runtime: string;
  readonly batch: number;
  /** Median over the rounds. */
  readonly imagesPerSec: number;
  readonly cpuMsPerImage: number;
  readonly batchMsP50: number;
  readonly rounds: readonly number[];
}

type Step = (inputs: readonly DigitPixels[]) => Promise<void>;

/** What the classifier does after the model: per-image probability arrays and the argmax. */
function splitProbabilities(probs: Float32Array, n: number): number[] {
  const digits: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = Array.from(probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES));
    digits.push(p.indexOf(Math.max(...p)));
  }
  return digits;
}

async function createOrtStep(onnxFile: string, threads: number): Promise<{ step: Step; release: () => Promise<void> }> {
  // intraOpNumThreads 0 = onnxruntime's default: one thread per core.
  const session = await ort.InferenceSession.create(onnxFile, { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
  const step: Step = async (inputs) => {
    const n = inputs.length;
    const flat = new Float32Array(n * IMAGE_PIXELS);
    inputs.forEach((pixels, i) => flat.set(pixels, i * IMAGE_PIXELS));
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', flat, [n, IMAGE_SIZE, IMAGE_SIZE, 1]) });
    splitProbabilities(out[ONNX_OUTPUT]!.data as Float32Array, n);
  };
  return { step, release: () => session.release() };
}

/** Real MNIST test digits as the classifier receives them: 784 floats, ink 1.0 on 0.0. */
async function readInputs(count: number): Promise<DigitPixels[]> {
  const { images } = await readMnistTestSet();
  return images.slice(0, count).map((image) => Float32Array.from(image, (v) => v / 255));
}

async function measureBatches(step: Step, inputs: readonly DigitPixels[], batch: number, durationMs: number): Promise<RateResult> {
  let offset = 0;
  return measureRate(async () => {
    if (offset + batch > inputs.length) offset = 0;
    await step(inputs.slice(offset, offset + batch));
    offset += batch;
    return batch;
  }, { warmupMs: Math.min(500, durationMs / 3), durationMs });
}

export interface ClassifierBenchResult {
  readonly backend: string;
  readonly backendFallbacks: readonly string[];
  readonly modelVersion: string;
  readonly onnxFile: string;
  readonly onnxruntime: string;
  readonly tfjs: string;
  readonly secondsPerRound: number;
  readonly roundsPerPoint: number;
  /** Batch sizes the service classifier actually ran (from onBatch): proves B calls made one batch. */
  readonly observedBatchSizes: readonly number[];
  /** Cores onnxruntime's default thread pool spreads over. */
  readonly cores: number;
  readonly rows: readonly ClassifierRow[];
}

async function main(args: string[]): Promise<void> {
  const flags = parseFlags(args, {
    onnx: { type: 'string' }, 'model-dir': { type: 'string' }, backend: { type: 'string' }, seconds: { type: 'string' },
    rounds: { type: 'string' }, batches: { type: 'string' }, out: { type: 'string' },
  }, USAGE);
  if (flags === null) return;
  const modelDir = path.resolve(flags['model-dir'] ?? path.join(PROJECT_ROOT, 'app/model'));
  const onnxFile = path.resolve(flags.onnx ?? path.join(modelDir, MODEL_ONNX));
  const durationMs = (positiveInt('seconds', flags.seconds) ?? 2) * 1000;
  const rounds = positiveInt('rounds', flags.rounds) ?? 3;
  const sizes = (flags.batches ?? '1,8,32,128').split(',').map((s) => positiveInt('batches', s) ?? 1);
  const out = path.resolve(flags.out ?? path.join(PROJECT_ROOT, '.bench/classifier.json'));

  const inputs = await readInputs(Math.max(1024, ...sizes));
  // As the service would run it (INFERENCE_CPU_THREADS, INFERENCE_THREAD apply), batching the sizes asked.
  const config = loadConfig();
  const load = (backend: InferenceBackendChoice): Promise<LoadedClassifier> => loadClassifier({
    modelDir, backend, cpuThreads: config.inferenceCpuThreads, inferenceThread: config.inferenceThread, maxBatchSize: Math.max(...sizes), maxBatchWaitMs: 0,
  });
  const classifier = await load((flags.backend ?? 'auto') as InferenceBackendChoice);
  // The fallback where onnxruntime-node is not installed: measured beside it, not a target.
  const fallback = classifier.backend === 'wasm' ? null : await load('wasm');
  const observed = new Set<number>();
  classifier.onBatch((size) => observed.add(size));
  const serviceStep = (c: LoadedClassifier): Step => async (batch) => {
    await Promise.all(batch.map((pixels) => c.classify(pixels)));
  };
  const runtimes: Record<string, () => Promise<{ step: Step; release: () => Promise<void> }>> = {
    [`${SERVICE_PREFIX}${classifier.backend}`]: async () => ({ step: serviceStep(classifier), release: async () => undefined }),
    ...(fallback === null ? {} : { [`${SERVICE_PREFIX}wasm`]: async () => ({ step: serviceStep(fallback), release: async () => undefined }) }),
    onnxruntime: () => createOrtStep(onnxFile, 0),
    'onnxruntime-1thread': () => createOrtStep(onnxFile, 1),
  };

  const rows: ClassifierRow[] = [];
  for (const batch of sizes) {
    const results: Record<string, RateResult[]> = {};
    for (let r = 0; r < rounds; r++) {
      for (const [name, create] of Object.entries(runtimes)) {
        const runtime = await create();
        try {
          (results[name] ??= []).push(await measureBatches(runtime.step, inputs, batch, durationMs));
        } finally {
          // Released after each round: onnxruntime's spinning pool must not steal cycles from wasm.
          await runtime.release();
        }
      }
    }
    for (const [name, rs] of Object.entries(results)) {
      const row: ClassifierRow = {
        runtime: name, batch,
        imagesPerSec: round(median(rs.map((x) => x.itemsPerSec)), 1),
        cpuMsPerImage: round(median(rs.map((x) => x.cpuMsPerItem)), 4),
        batchMsP50: round(median(rs.map((x) => x.stepMs.p50))),
        rounds: rs.map((x) => round(x.itemsPerSec, 1)),
      };
      rows.push(row);
      process.stderr.write(`classifier: ${name.padEnd(20)} batch ${String(batch).padStart(3)}: ${row.imagesPerSec} images/s (rounds ${row.rounds.join(', ')})\n`);
    }
  }
  await classifier.dispose();
  await fallback?.dispose();

  const result: ClassifierBenchResult = {
    backend: classifier.backend, backendFallbacks: classifier.backendFallbacks, modelVersion: classifier.modelVersion,
    onnxFile, onnxruntime: ort.env.versions.node ?? 'unknown', tfjs: tf.version.tfjs,
    secondsPerRound: durationMs / 1000, roundsPerPoint: rounds, observedBatchSizes: [...observed].sort((a, b) => a - b), cores: os.availableParallelism(), rows,
  };
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`classifier-bench: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
