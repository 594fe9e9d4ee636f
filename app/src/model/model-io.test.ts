import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { loadModel, saveModel } from './model-io.js';
import { exportOnnx } from './onnx/export-onnx.js';
import { readModelCard, writeModelCard, type ModelCard } from './model-card.js';

/** A small seeded network with the CNN's kinds of layers (the real one is built by training/cnn.ts). */
function buildSmallModel(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 5, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
}

describe('saving and loading the model with fs', () => {
  let dir: string;
  beforeAll(async () => {
    await selectBackend('wasm');
    dir = await mkdtemp(path.join(tmpdir(), 'mnist-model-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes model.json, weights.bin and the ONNX twin, and loads a model that predicts exactly the same', async () => {
    const model = buildSmallModel();
    await saveModel(model, dir);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'model.onnx', 'weights.bin']);
    expect(new Uint8Array(await readFile(path.join(dir, 'model.onnx')))).toEqual(exportOnnx(model));
    const loaded = await loadModel(dir);
    const input = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 4);
    const a = model.predict(input) as tf.Tensor;
    const b = loaded.predict(input) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    expect(loaded.countParams()).toBe(model.countParams());
    tf.dispose([input, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('reads back the model card it wrote, and refuses a card without a version', async () => {
    const card = { version: 'test-v1', parameters: 5 } as unknown as ModelCard;
    await writeModelCard(dir, card);
    await expect(readModelCard(dir)).resolves.toMatchObject({ version: 'test-v1', parameters: 5 });
    await writeModelCard(dir, { parameters: 5 } as unknown as ModelCard);
    await expect(readModelCard(dir)).rejects.toThrow(/no "version"/);
  });

  it('fails clearly when the directory holds no model', async () => {
    await expect(loadModel(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
