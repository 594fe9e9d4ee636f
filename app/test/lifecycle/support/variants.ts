/**
 * Candidates made in seconds instead of by a retrain: the committed model's weights under
 * another version name, as they are (a twin: it must agree with the active everywhere) or with
 * the output layer's classes rotated by one (it answers d+1 wherever the committed model
 * answers d: it must disagree almost everywhere). Published into the registry of `dataDir`,
 * beside the running service, as `mnist retrain` would.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { MODEL_CARD, readModelCard } from '../../../src/model/model-card.js';
import { loadModel, saveModel } from '../../../src/model/model-io.js';
import { cardOfTrainedModel, readModelFiles } from '../../../src/models/seed-registry.js';
import { openStore } from '../../../src/store/open-store.js';

export type Variant = 'twin' | 'rotated-output';

/** The output layer's ten classes moved by one: the weights of class d now score class d+1. */
function rotateOutputClasses(model: tf.LayersModel): void {
  const output = model.layers.at(-1)!;
  const [kernel, bias] = output.getWeights() as [tf.Tensor2D, tf.Tensor1D];
  const rotate = <T extends tf.Tensor>(t: T, axis: number): T => tf.concat([tf.slice(t, axis === 1 ? [0, 9] : [9], axis === 1 ? [-1, 1] : [1]), tf.slice(t, axis === 1 ? [0, 0] : [0], axis === 1 ? [-1, 9] : [9])], axis) as T;
  output.setWeights([rotate(kernel, 1), rotate(bias, 0)]);
}

/** Publishes `variant` of the committed model as `version` into the registry of `dataDir`. */
export async function publishVariant(dataDir: string, version: string, variant: Variant): Promise<void> {
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, CASSANDRA_CONTACT_POINTS: '' });
  const dir = mkdtempSync(path.join(tmpdir(), `mnist-${variant}-`));
  try {
    cpSync(config.modelDir, dir, { recursive: true });
    if (variant === 'rotated-output') {
      const model = await loadModel(dir);
      rotateOutputClasses(model);
      await saveModel(model, dir);
      model.dispose();
    }
    const card = JSON.parse(readFileSync(path.join(dir, MODEL_CARD), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, MODEL_CARD), `${JSON.stringify({ ...card, version }, null, 2)}\n`);
    const files = await readModelFiles(dir);
    const storage = await openStore({ config, logger: createLogger({ level: 'silent' }) });
    try {
      await storage.registry.publish(cardOfTrainedModel(await readModelCard(dir), files), files);
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
