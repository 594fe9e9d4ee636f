import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../../src/model/model-io.js';
import { convertLayersToOnnx, type LayerSpec, type LayerStack } from './layers-to-onnx.js';
import { encodeModel } from './onnx-proto.js';

/**
 * Turns the committed TF.js model into an ONNX file for the onnxruntime reference, cached by a
 * hash of the model files and of this converter's own sources: a new model or a converter fix
 * yields a new file, an unchanged pair reuses the old one.
 */

const CONVERTER_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Reads each layer's class, config and weights out of a loaded TF.js model. */
export function extractLayerStack(model: tf.LayersModel): LayerStack {
  const inputShape = model.inputs[0]?.shape.slice(1);
  if (inputShape === undefined || inputShape.some((d) => d === null)) throw new Error('the model has no fixed input shape');
  const layers: LayerSpec[] = model.layers.map((layer) => ({
    className: layer.getClassName(),
    name: layer.name,
    config: layer.getConfig() as Record<string, unknown>,
    weights: Object.fromEntries(
      layer.weights.map((w) => [w.originalName.split('/').pop() ?? w.originalName, { shape: w.shape as number[], values: w.read().dataSync() as Float32Array }]),
    ),
  }));
  return { inputShape: inputShape as number[], layers };
}

async function hashFiles(dirs: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of dirs) {
    const names = (await readdir(dir)).filter((n) => !n.endsWith('.test.ts')).sort();
    for (const name of names) {
      const file = path.join(dir, name);
      if (!(await stat(file)).isFile()) continue;
      hash.update(name).update(await readFile(file));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** Converts a model directory to ONNX bytes (no caching). */
export async function convertModelDir(modelDir: string): Promise<Uint8Array> {
  // Any backend reads weights; the export CLI gets TF.js's default (cpu), a test keeps its own.
  const model = await loadModel(modelDir);
  try {
    return encodeModel(convertLayersToOnnx(extractLayerStack(model)), `mnist-k8s bench converter (tfjs ${tf.version.tfjs})`);
  } finally {
    model.dispose();
  }
}

export interface ExportResult {
  readonly file: string;
  readonly cached: boolean;
  readonly bytes: number;
}

/** Returns the cached ONNX file for this model and converter, converting first when absent. */
export async function exportOnnx(modelDir: string, cacheDir: string): Promise<ExportResult> {
  const key = await hashFiles([modelDir, CONVERTER_DIR]);
  const file = path.join(cacheDir, `mnist-cnn-${key}.onnx`);
  try {
    return { file, cached: true, bytes: (await stat(file)).size };
  } catch {
    const bytes = await convertModelDir(modelDir);
    await mkdir(cacheDir, { recursive: true });
    await writeFile(`${file}.tmp-${process.pid}`, bytes);
    await rename(`${file}.tmp-${process.pid}`, file);
    return { file, cached: false, bytes: bytes.length };
  }
}
