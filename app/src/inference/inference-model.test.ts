import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../config.js';
import { BackendUnavailableError } from '../errors.js';
import { IMAGE_PIXELS } from '../mnist/geometry.js';
import { loadInferenceModel } from './inference-model.js';
import { loadOrt } from './onnx-model.js';

/**
 * Which backend runs the model: onnxruntime on model.onnx when both are there, else TF.js with
 * the reason onnxruntime was skipped; an explicit choice that cannot start names the setting.
 */

const MODEL_DIR = path.join(PROJECT_ROOT, 'app/model');

/** A model directory with only these of the committed model's files. */
function copyModel(files: readonly string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mnist-model-'));
  for (const file of files) copyFileSync(path.join(MODEL_DIR, file), path.join(dir, file));
  return dir;
}

describe('choosing the inference backend', () => {
  let withoutOnnx: string;
  let brokenOnnx: string;
  beforeAll(() => {
    withoutOnnx = copyModel(['model.json', 'weights.bin', 'model-card.json']);
    brokenOnnx = copyModel(['model.json', 'weights.bin', 'model-card.json']);
    writeFileSync(path.join(brokenOnnx, 'model.onnx'), 'not a protobuf');
  });
  afterAll(() => {
    rmSync(withoutOnnx, { recursive: true, force: true });
    rmSync(brokenOnnx, { recursive: true, force: true });
  });

  it('auto takes onnxruntime exactly when onnxruntime-node loads, else TF.js saying why', async () => {
    const ortLoads = (() => {
      try {
        loadOrt();
        return true;
      } catch {
        return false;
      }
    })();
    const model = await loadInferenceModel({ modelDir: MODEL_DIR, backend: 'auto', warmupBatchSizes: [1] });
    try {
      if (ortLoads) expect(model).toMatchObject({ backend: 'onnxruntime', backendFallbacks: [] });
      else expect(model.backendFallbacks[0]).toMatch(/^onnxruntime: ./);
      expect(await model.predict(new Float32Array(2 * IMAGE_PIXELS), 2)).toHaveLength(20);
    } finally {
      model.dispose();
    }
  });

  it('auto falls back to TF.js, naming the missing model.onnx, when the model has no ONNX twin', async () => {
    const model = await loadInferenceModel({ modelDir: withoutOnnx, backend: 'auto', warmupBatchSizes: [] });
    try {
      expect(['tensorflow', 'wasm', 'cpu']).toContain(model.backend);
      expect(model.backendFallbacks[0]).toMatch(/^onnxruntime: .*model\.onnx/);
    } finally {
      model.dispose();
    }
  });

  it('refuses INFERENCE_BACKEND=onnxruntime without a usable model.onnx, naming the setting', async () => {
    for (const modelDir of [withoutOnnx, brokenOnnx]) {
      const loading = loadInferenceModel({ modelDir, backend: 'onnxruntime', warmupBatchSizes: [] });
      await expect(loading).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(loading).rejects.toThrow(/^INFERENCE_BACKEND=onnxruntime is not available: /);
    }
  });

  it('refuses a batch whose pixel count does not match its size, on every backend', async () => {
    for (const backend of ['onnxruntime', 'wasm'] as const) {
      const model = await loadInferenceModel({ modelDir: MODEL_DIR, backend, warmupBatchSizes: [] });
      try {
        await expect(model.predict(new Float32Array(IMAGE_PIXELS), 2)).rejects.toThrow(RangeError);
      } finally {
        model.dispose();
      }
    }
  });
});
