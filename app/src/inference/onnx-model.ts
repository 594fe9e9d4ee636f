import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_ONNX } from '../model/onnx/export-onnx.js';
import { IMAGE_SIZE, NUM_CLASSES } from '../mnist/geometry.js';
import type { LoadedRuntime } from './inference-model.js';

/**
 * The model on onnxruntime-node: model.onnx (the ONNX twin `make train` writes beside the TF.js
 * model) run by ONNX Runtime's CPU kernels, near this machine's fp32 peak. onnxruntime-node is
 * an optional dependency, so it is required at run time and described here only as far as we
 * use it: the service still builds and runs (on TF.js) where it is not installed.
 */

/** The ONNX graph's input and output (see app/src/model/onnx/layers-to-onnx.ts). */
const INPUT = 'input';
const OUTPUT = 'output';

interface OrtTensor {
  readonly data: unknown;
}

interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** The part of onnxruntime-node's API this module uses. */
interface OrtModule {
  readonly InferenceSession: { create(model: Uint8Array, options: object): Promise<OrtSession> };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  readonly env: { readonly versions: { readonly node?: string } };
}

const require = createRequire(import.meta.url);
// A variable specifier: TypeScript must not need the optional package to compile this file.
const ORT_PACKAGE = 'onnxruntime-node';

export interface OnnxModelOptions {
  readonly modelDir: string;
  /** Threads for one batch (intra-op); 0 = onnxruntime's default, one per core. */
  readonly cpuThreads: number;
}

/** onnxruntime-node itself; throws (MODULE_NOT_FOUND) where the optional package is not installed. */
export function loadOrt(): OrtModule {
  return require(ORT_PACKAGE) as OrtModule;
}

/**
 * Loads model.onnx into an onnxruntime session on this thread. Throws when onnxruntime-node is
 * not installed, when model.onnx is missing, or when its graph is not the digit classifier.
 */
export async function loadOnnxModel(options: OnnxModelOptions): Promise<LoadedRuntime<'onnxruntime'>> {
  const ort = loadOrt();
  const bytes = await readFile(path.join(options.modelDir, MODEL_ONNX));
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: options.cpuThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Idle pool threads sleep instead of spinning: the cores are shared with the HTTP thread,
    // which a spinning pool would starve between batches. Measured on 2 cores (2026-12-05):
    // spinning took the classifier alone from 0.37x to 0.67x of a bare (spinning) session at
    // batch 1, 0.57x to 0.83x at 8, but doubled the service's CPU per canvas prediction
    // (0.72 -> 1.35-1.45 ms) and cut its requests/s at 32 connections by 17-23%.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  if (!session.inputNames.includes(INPUT) || !session.outputNames.includes(OUTPUT)) {
    await session.release();
    throw new Error(`${MODEL_ONNX} takes [${session.inputNames.join(', ')}] and gives [${session.outputNames.join(', ')}]; expected ${INPUT} -> ${OUTPUT}`);
  }
  return {
    backend: 'onnxruntime',
    fallbacks: [],
    async predict(pixels: Float32Array, count: number): Promise<Float32Array> {
      const out = await session.run({ [INPUT]: new ort.Tensor('float32', pixels, [count, IMAGE_SIZE, IMAGE_SIZE, 1]) });
      const probabilities = out[OUTPUT]?.data;
      if (!(probabilities instanceof Float32Array) || probabilities.length !== count * NUM_CLASSES) {
        throw new Error(`${MODEL_ONNX} returned no [${count}, ${NUM_CLASSES}] float32 output`);
      }
      return probabilities;
    },
    dispose: () => void session.release(),
  };
}
