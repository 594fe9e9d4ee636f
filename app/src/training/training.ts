import * as tf from '@tensorflow/tfjs';
import { IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES } from '../mnist/geometry.js';
import { augmentBatch, type AugmentOptions } from './augment.js';
import type { EpochRecord } from '../model/model-card.js';
import type { MnistSet } from '../mnist/mnist-data.js';
import type { BatchProgress } from './progress-bar.js';
import { createRandom, shuffledIndices } from './random.js';

/**
 * The training loop: seeded shuffle and validation split, per-batch augmentation, an
 * exponentially decaying learning rate, and accuracy on held-out data after every epoch.
 * A hand-written loop rather than model.fit because augmentation and the learning rate change
 * per batch/epoch, and the progress bar wants every batch.
 */

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Examples held out of the 60,000 for validation (never trained on). */
  readonly validationSize: number;
  readonly initialLearningRate: number;
  /** Learning rate of epoch e (0-based) = initial * decay^e. */
  readonly learningRateDecay: number;
  /** null turns augmentation off. */
  readonly augment: AugmentOptions | null;
  readonly onBatch?: (progress: BatchProgress) => void;
  /** Called after each epoch (e.g. to save a checkpoint); awaited before the next starts. */
  readonly onEpoch?: (record: EpochRecord, model: tf.LayersModel) => Promise<void>;
}

export interface EvaluationResult {
  readonly loss: number;
  readonly accuracy: number;
}

interface AdamWithRate {
  learningRate: number;
}

/** Batch tensors from byte images: [n,28,28,1] in 0..1 and one-hot labels. */
export function toBatch(set: MnistSet, indices: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const n = indices.length;
  const pixels = new Float32Array(n * IMAGE_PIXELS);
  const oneHot = new Float32Array(n * NUM_CLASSES);
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    const image = set.images[k]!;
    for (let p = 0; p < IMAGE_PIXELS; p++) pixels[i * IMAGE_PIXELS + p] = image[p]! / 255;
    oneHot[i * NUM_CLASSES + set.labels[k]!] = 1;
  }
  return { x: tf.tensor4d(pixels, [n, IMAGE_SIZE, IMAGE_SIZE, 1]), y: tf.tensor2d(oneHot, [n, NUM_CLASSES]) };
}

/** Loss and accuracy of `model` on the given examples (inference mode, batches of 500). */
export async function evaluateModel(model: tf.LayersModel, set: MnistSet, indices: ArrayLike<number>): Promise<EvaluationResult> {
  const chunk = 500;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < indices.length; start += chunk) {
    const slice = Array.from({ length: Math.min(chunk, indices.length - start) }, (_, i) => indices[start + i]!);
    const { x, y } = toBatch(set, slice);
    const [lossT, hitsT] = tf.tidy(() => {
      const probs = model.predict(x) as tf.Tensor2D;
      const loss = tf.sum(tf.metrics.categoricalCrossentropy(y, probs));
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), tf.argMax(y, 1)), 'float32'));
      return [loss, hits];
    });
    lossSum += (await lossT.data())[0]!;
    correct += (await hitsT.data())[0]!;
    tf.dispose([x, y, lossT, hitsT]);
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length };
}

/** Splits 0..n-1 into shuffled training indices and a held-out validation tail. */
export function splitIndices(n: number, validationSize: number, seed: number): { train: Uint32Array; validation: Uint32Array } {
  const order = shuffledIndices(n, createRandom(seed ^ 0x5eed));
  return { train: order.subarray(0, n - validationSize), validation: order.subarray(n - validationSize) };
}

/**
 * Trains `model` (compiled with adam) in place. Dropout masks come from Math.random, which
 * TF.js reads when no seed is given; it is swapped for a seeded generator during the run so
 * the whole run depends on `seed` alone, and restored afterwards.
 */
export async function trainModel(model: tf.LayersModel, data: MnistSet, options: TrainOptions): Promise<EpochRecord[]> {
  const { train, validation } = splitIndices(data.images.length, options.validationSize, options.seed);
  const random = createRandom(options.seed);
  const originalRandom = Math.random;
  Math.random = createRandom(options.seed + 1);
  const optimizer = model.optimizer as unknown as AdamWithRate;
  const batches = Math.ceil(train.length / options.batchSize);
  const history: EpochRecord[] = [];
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const startedAt = Date.now();
      const learningRate = options.initialLearningRate * options.learningRateDecay ** (epoch - 1);
      optimizer.learningRate = learningRate;
      const order = shuffledIndices(train.length, random).map((i) => train[i]!);
      let lossSum = 0;
      let accSum = 0;
      for (let b = 0; b < batches; b++) {
        const { x, y } = toBatch(data, order.subarray(b * options.batchSize, (b + 1) * options.batchSize));
        const input = options.augment === null ? x : augmentBatch(x, random, options.augment);
        const [loss, acc] = (await model.trainOnBatch(input, y)) as number[];
        tf.dispose([x, y, input]);
        lossSum += loss!;
        accSum += acc!;
        options.onBatch?.({ epoch, epochs: options.epochs, batch: b + 1, batches, loss: lossSum / (b + 1), accuracy: accSum / (b + 1) });
      }
      const val = await evaluateModel(model, data, validation);
      const record: EpochRecord = {
        epoch,
        learningRate,
        loss: lossSum / batches,
        accuracy: accSum / batches,
        validationLoss: val.loss,
        validationAccuracy: val.accuracy,
        seconds: (Date.now() - startedAt) / 1000,
      };
      history.push(record);
      await options.onEpoch?.(record, model);
    }
  } finally {
    Math.random = originalRandom;
  }
  return history;
}
