import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { parseFlags, positiveInt } from '../src/cli/args.js';
import { PROJECT_ROOT } from '../src/config.js';
import { selectBackend } from '../src/digits/backend.js';
import { IMAGE_PIXELS, IMAGE_SIZE } from '../src/digits/digit.js';
import { readMnistTestSet } from '../src/digits/mnist-data.js';
import { loadModel } from '../src/digits/model-io.js';
import { measureRate, round, type RateResult } from './measure.js';
import { ONNX_INPUT, ONNX_OUTPUT } from './onnx/layers-to-onnx.js';

/**
 * Classifier alone: images/s at batch 1, 8, 32, 128 for the committed model on the TF.js
 * backend the service would pick (loaded by the service's own model-io and backend code),
 * then the same model, converted to ONNX, under onnxruntime-node (its default thread count,
 * and one thread for a like-for-like comparison with single-threaded wasm). Each step turns a
 * batch of 784-float inputs into a tensor, runs the model and reads the probabilities back.
 */

const USAGE = `Usage: classifier-bench --onnx FILE [--model-dir app/model] [--backend auto] [--seconds 3]
  [--batches 1,8,32,128] [--out .bench/classifier.json]`;

export interface ClassifierRow {
  readonly runtime: string;
  readonly batch: number;
  readonly imagesPerSec: number;
  readonly batchMs: { readonly p50: number; readonly p99: number };
  readonly steps: number;
}

function toRow(runtime: string, batch: number, r: RateResult): ClassifierRow {
  return { runtime, batch, imagesPerSec: round(r.itemsPerSec, 1), batchMs: { p50: round(r.stepMs.p50), p99: round(r.stepMs.p99) }, steps: r.steps };
}

/** Batches of real MNIST test digits as the classifier receives them: ink 1.0 on 0.0. */
async function makeBatches(batch: number, count: number): Promise<Float32Array[]> {
  const { images } = await readMnistTestSet();
  return Array.from({ length: count }, (_, b) => {
    const out = new Float32Array(batch * IMAGE_PIXELS);
    for (let i = 0; i < batch; i++) {
      const image = images[(b * batch + i) % images.length]!;
      for (let p = 0; p < IMAGE_PIXELS; p++) out[i * IMAGE_PIXELS + p] = image[p]! / 255;
    }
    return out;
  });
}

async function benchTfjs(model: tf.LayersModel, backend: string, batches: Map<number, Float32Array[]>, durationMs: number): Promise<ClassifierRow[]> {
  const rows: ClassifierRow[] = [];
  for (const [batch, inputs] of batches) {
    let i = 0;
    const step = async (): Promise<number> => {
      const x = inputs[i++ % inputs.length]!;
      const y = tf.tidy(() => model.predict(tf.tensor4d(x, [batch, IMAGE_SIZE, IMAGE_SIZE, 1])) as tf.Tensor);
      await y.data();
      y.dispose();
      return batch;
    };
    rows.push(toRow(`tfjs-${backend}`, batch, await measureRate(step, { warmupMs: Math.min(1000, durationMs / 3), durationMs })));
  }
  return rows;
}

async function benchOrt(onnxFile: string, threads: number, batches: Map<number, Float32Array[]>, durationMs: number): Promise<ClassifierRow[]> {
  // threads 0 = onnxruntime's default: one intra-op thread per core.
  const session = await ort.InferenceSession.create(onnxFile, { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
  const label = threads === 0 ? 'onnxruntime' : `onnxruntime-${threads}thread`;
  const rows: ClassifierRow[] = [];
  try {
    for (const [batch, inputs] of batches) {
      let i = 0;
      const step = async (): Promise<number> => {
        const x = inputs[i++ % inputs.length]!;
        const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, [batch, IMAGE_SIZE, IMAGE_SIZE, 1]) });
        if (out[ONNX_OUTPUT]?.data.length !== batch * 10) throw new Error('onnxruntime returned an unexpected output shape');
        return batch;
      };
      rows.push(toRow(label, batch, await measureRate(step, { warmupMs: Math.min(1000, durationMs / 3), durationMs })));
    }
  } finally {
    await session.release();
  }
  return rows;
}

export interface ClassifierBenchResult {
  readonly backend: string;
  readonly backendFallbacks: readonly string[];
  readonly modelDir: string;
  readonly onnxFile: string;
  readonly secondsPerPoint: number;
  readonly rows: readonly ClassifierRow[];
}

async function main(args: string[]): Promise<void> {
  const flags = parseFlags(args, {
    onnx: { type: 'string' },
    'model-dir': { type: 'string' },
    backend: { type: 'string' },
    seconds: { type: 'string' },
    batches: { type: 'string' },
    out: { type: 'string' },
  }, USAGE);
  if (flags === null) return;
  if (flags.onnx === undefined) throw new Error(`--onnx is required\n\n${USAGE}`);
  const modelDir = path.resolve(flags['model-dir'] ?? path.join(PROJECT_ROOT, 'app/model'));
  const durationMs = (positiveInt('seconds', flags.seconds) ?? 3) * 1000;
  const sizes = (flags.batches ?? '1,8,32,128').split(',').map((s) => positiveInt('batches', s) ?? 1);
  const out = path.resolve(flags.out ?? path.join(PROJECT_ROOT, '.bench/classifier.json'));

  const batches = new Map<number, Float32Array[]>();
  for (const size of sizes) batches.set(size, await makeBatches(size, Math.max(4, Math.ceil(1024 / size))));

  const selection = await selectBackend((flags.backend ?? 'auto') as 'auto');
  const model = await loadModel(modelDir);
  const rows = await benchTfjs(model, selection.name, batches, durationMs);
  model.dispose();
  // TF.js first, then onnxruntime: its spinning thread pool must not steal cycles from wasm.
  rows.push(...(await benchOrt(flags.onnx, 0, batches, durationMs)));
  rows.push(...(await benchOrt(flags.onnx, 1, batches, durationMs)));

  const result: ClassifierBenchResult = { backend: selection.name, backendFallbacks: selection.fallbacks, modelDir, onnxFile: flags.onnx, secondsPerPoint: durationMs / 1000, rows };
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  for (const row of rows) process.stderr.write(`${row.runtime.padEnd(24)} batch ${String(row.batch).padStart(3)}: ${row.imagesPerSec} images/s\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`classifier-bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
