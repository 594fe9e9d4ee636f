import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportOnnx, MODEL_ONNX } from './onnx/export-onnx.js';

/**
 * Saves and loads the TF.js layers format (model.json + one weights .bin) with plain `fs`:
 * the `file://` handlers exist only in tfjs-node, which cannot install here. Every save also
 * writes the model's ONNX twin (model.onnx), which onnxruntime serves when it is installed.
 */

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export { MODEL_ONNX };

interface ModelJson {
  readonly modelTopology: object;
  readonly weightsManifest: ReadonlyArray<{ readonly paths: readonly string[]; readonly weights: tf.io.WeightsManifestEntry[] }>;
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
}

/** Writes to a temporary name then renames, so a reader never sees half a file. */
async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

function concatWeights(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const buffers = Array.isArray(data) ? data : [data];
  const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/** Writes `model`'s ONNX twin to `dir`/model.onnx (the same weights, as an onnxruntime graph). */
export async function saveOnnxModel(model: tf.LayersModel, dir: string): Promise<void> {
  await writeAtomically(path.join(dir, MODEL_ONNX), exportOnnx(model));
}

/** Saves `model` into `dir` (created if needed) as model.json + weights.bin, and model.onnx. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  // First: a model that has no ONNX translation fails before anything is overwritten.
  await saveOnnxModel(model, dir);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (artifacts.modelTopology === undefined || artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
        throw new Error('the model produced no topology or weights to save');
      }
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
      };
      // Weights first: model.json names them, so it must not appear before they exist.
      await writeAtomically(path.join(dir, WEIGHTS_BIN), concatWeights(artifacts.weightData));
      await writeAtomically(path.join(dir, MODEL_JSON), `${JSON.stringify(json)}\n`);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** Loads model.json and its weight files from `dir` through tf.io.fromMemory. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8')) as ModelJson;
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const files = json.weightsManifest.flatMap((group) => group.paths);
  const parts = await Promise.all(files.map((file) => readFile(path.join(dir, file))));
  const bytes = concatWeights(parts.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) as ArrayBuffer));
  const handler = tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: bytes.buffer as ArrayBuffer });
  return tf.loadLayersModel(handler);
}
