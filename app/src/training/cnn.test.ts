import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../config.js';
import { selectTrainingBackend } from './wasm-training-kernels.js';
import { buildModel, describeLayers, SEED_PARAMETER_COUNT } from './cnn.js';
import { readModelCard } from '../model/model-card.js';

describe('the CNN', () => {
  beforeAll(async () => {
    await selectTrainingBackend('wasm');
  });

  it('has the seed architecture with valid padding: 1,111,946 parameters', () => {
    const model = buildModel({ seed: 1 });
    expect(model.countParams()).toBe(SEED_PARAMETER_COUNT);
    expect(SEED_PARAMETER_COUNT).toBe(1_111_946);
    expect(describeLayers(model)).toEqual([
      'conv1 Conv2D [24,24,32] 832',
      'pool1 MaxPooling2D [12,12,32] 0',
      'conv2 Conv2D [8,8,64] 51264',
      'pool2 MaxPooling2D [4,4,64] 0',
      'dropout1 Dropout [4,4,64] 0',
      'flatten Flatten [1024] 0',
      'dense1 Dense [1024] 1049600',
      'dropout2 Dropout [1024] 0',
      'output Dense [10] 10250',
    ]);
    model.dispose();
  });

  it('starts from the same weights for the same seed and from other weights for another', () => {
    const weightsOf = (seed: number): Float32Array => {
      const model = buildModel({ seed });
      const data = model.getWeights()[0]!.dataSync() as Float32Array;
      model.dispose();
      return data;
    };
    expect(weightsOf(7)).toEqual(weightsOf(7));
    expect(weightsOf(7)).not.toEqual(weightsOf(8));
  });

  it('outputs ten probabilities summing to one per image', () => {
    const model = buildModel({ seed: 3 });
    const probs = tf.tidy(() => model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor2D);
    expect(probs.shape).toEqual([2, 10]);
    for (const row of probs.arraySync()) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    probs.dispose();
    model.dispose();
  });

  it('matches the layers and parameter count the committed model card states', async () => {
    const modelDir = path.join(PROJECT_ROOT, 'app/model');
    expect(existsSync(path.join(modelDir, 'model-card.json')), 'app/model/model-card.json is committed').toBe(true);
    const card = await readModelCard(modelDir);
    const model = buildModel({ seed: card.seed });
    expect(card.parameters).toBe(model.countParams());
    expect(card.architecture.layers).toEqual(describeLayers(model));
    model.dispose();
  });
});
