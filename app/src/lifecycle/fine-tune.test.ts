import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import type { MnistSet } from '../mnist/mnist-data.js';
import type { Correction } from '../models/model-registry.js';
import { selectTrainingBackend } from '../training/wasm-training-kernels.js';
import { buildMix, correctionRepeats, fineTune } from './fine-tune.js';

/** A made-up MNIST of `n` images whose pixels encode their index, labels i % 10. */
function fakeMnist(n: number): MnistSet {
  return { images: Array.from({ length: n }, (_, i) => new Uint8Array(784).fill(i % 256)), labels: Array.from({ length: n }, (_, i) => i % 10) };
}

function correction(i: number): Correction {
  return { id: `c${i}`, createdAt: new Date(0), input: new Uint8Array(784).fill(200), digit: 8, label: 3, modelVersion: 'v1' };
}

describe('correctionRepeats', () => {
  it('repeats corrections until they make up the share of an epoch', () => {
    // 0.15 * 6000 / 0.85 = 1059 correction examples, from 80 corrections: 13 each.
    expect(correctionRepeats(80, 6000, 0.15)).toBe(13);
  });

  it('keeps every correction at least once, and none when there are none', () => {
    expect(correctionRepeats(5000, 100, 0.1)).toBe(1);
    expect(correctionRepeats(0, 6000, 0.15)).toBe(0);
  });
});

describe('buildMix', () => {
  it('takes a seeded sample of MNIST and each correction `repeats` times', () => {
    const mnist = fakeMnist(1000);
    const corrections = [correction(1), correction(2)];
    const mix = buildMix({ mnist, mnistSample: 100, corrections, seed: 9 }, 3);
    expect(mix.images).toHaveLength(106);
    expect(mix.labels.slice(100)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(buildMix({ mnist, mnistSample: 100, corrections, seed: 9 }, 3).images[0]).toBe(mix.images[0]);
    const other = buildMix({ mnist, mnistSample: 100, corrections, seed: 10 }, 3);
    expect(other.images.slice(0, 100)).not.toEqual(mix.images.slice(0, 100));
  });

  it('shuffles the MNIST labels (not the corrections) for a deliberately bad candidate', () => {
    const mnist = fakeMnist(1000);
    const mix = buildMix({ mnist, mnistSample: 200, corrections: [correction(1)], seed: 9, shuffleLabels: true }, 1);
    const kept = mix.images.slice(0, 200).filter((image, i) => mnist.labels[image[0]!] === mix.labels[i]).length;
    expect(kept).toBeLessThan(60);
    expect(mix.labels.at(-1)).toBe(3);
  });
});

describe('fineTune', () => {
  beforeAll(async () => {
    await selectTrainingBackend(loadConfig().trainingBackend);
  });

  async function weightsDigest(seed: number): Promise<string> {
    const { model } = await fineTune({
      parentDir: loadConfig().modelDir,
      mnist: fakeMnist(256),
      mnistSample: 48,
      corrections: [correction(1), correction(2)],
      correctionShare: 0.2,
      epochs: 1,
      batchSize: 32,
      learningRate: 0.001,
      seed,
      augment: { maxRotationDeg: 10 },
    });
    const hash = createHash('sha256');
    for (const w of model.getWeights()) hash.update(new Uint8Array(((await w.data()) as Float32Array).buffer));
    model.dispose();
    return hash.digest('hex');
  }

  it('is reproducible by seed: the same seed gives the same weights, another seed others', async () => {
    const first = await weightsDigest(5);
    expect(await weightsDigest(5)).toBe(first);
    expect(await weightsDigest(6)).not.toBe(first);
    expect(tf.memory().numTensors).toBeLessThan(100);
  });
});
