import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectTrainingBackend } from './wasm-training-kernels.js';
import { readMnistTestSet, type MnistSet } from '../mnist/mnist-data.js';
import { buildModel } from './cnn.js';
import { createRandom, shuffledIndices } from './random.js';
import { splitIndices, trainModel, type TrainOptions } from './training.js';

describe('the training loop', () => {
  let small: MnistSet;
  beforeAll(async () => {
    await selectTrainingBackend('wasm');
    const test = await readMnistTestSet();
    small = { images: test.images.slice(0, 192), labels: test.labels.slice(0, 192) };
  });

  const options: TrainOptions = {
    epochs: 2,
    batchSize: 64,
    seed: 5,
    validationSize: 64,
    initialLearningRate: 0.001,
    learningRateDecay: 0.5,
    augment: {},
  };

  it('is reproducible: the same seed gives the same losses, and the learning rate decays per epoch', async () => {
    const run = async () => {
      const model = buildModel({ seed: 5 });
      const history = await trainModel(model, small, options);
      model.dispose();
      return history;
    };
    const first = await run();
    const second = await run();
    expect(first.map((e) => e.loss)).toEqual(second.map((e) => e.loss));
    expect(first.map((e) => e.validationAccuracy)).toEqual(second.map((e) => e.validationAccuracy));
    expect(first.map((e) => e.learningRate)).toEqual([0.001, 0.0005]);
    expect(first[1]!.loss).toBeLessThan(first[0]!.loss);
  });

  it('reports every batch and every epoch, and leaves no tensor behind', async () => {
    const model = buildModel({ seed: 6 });
    const before = tf.memory().numTensors;
    const batches: number[] = [];
    const epochs: number[] = [];
    await trainModel(model, small, {
      ...options,
      onBatch: (p) => batches.push(p.batch),
      onEpoch: async (record) => {
        epochs.push(record.epoch);
      },
    });
    expect(batches).toEqual([1, 2, 1, 2]);
    expect(epochs).toEqual([1, 2]);
    // Adam's moment estimates are created on the first step: 2 per trainable weight (8 weights).
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(16 + 2);
    model.dispose();
  });

  it('restores Math.random after the run', async () => {
    const original = Math.random;
    const model = buildModel({ seed: 7 });
    await trainModel(model, small, { ...options, epochs: 1 });
    expect(Math.random).toBe(original);
    model.dispose();
  });

  it('holds out a validation split disjoint from the training indices', () => {
    const { train, validation } = splitIndices(1000, 100, 3);
    expect(train).toHaveLength(900);
    expect(validation).toHaveLength(100);
    const all = new Set([...train, ...validation]);
    expect(all.size).toBe(1000);
    expect(shuffledIndices(10, createRandom(1))).toEqual(shuffledIndices(10, createRandom(1)));
  });
});
