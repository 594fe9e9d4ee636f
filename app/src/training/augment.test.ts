import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { affineTransform, augmentBatch, randomTransforms } from './augment.js';
import { selectTrainingBackend } from './wasm-training-kernels.js';
import { createRandom } from './random.js';

/** A 28x28 image with one bright 2x2 square whose top-left corner is (row, col). */
function squareAt(row: number, col: number): tf.Tensor4D {
  const data = new Float32Array(28 * 28);
  for (const [r, c] of [[row, col], [row, col + 1], [row + 1, col], [row + 1, col + 1]] as const) data[r * 28 + c] = 1;
  return tf.tensor4d(data, [1, 28, 28, 1]);
}

function inkCentre(image: tf.Tensor): { row: number; col: number; mass: number } {
  const d = image.dataSync();
  let mass = 0;
  let row = 0;
  let col = 0;
  for (let i = 0; i < 784; i++) {
    mass += d[i]!;
    row += d[i]! * Math.floor(i / 28);
    col += d[i]! * (i % 28);
  }
  return { row: row / mass, col: col / mass, mass };
}

function warp(image: tf.Tensor4D, transform: number[]): tf.Tensor4D {
  return tf.tidy(() => tf.image.transform(image, tf.tensor2d([transform]), 'bilinear', 'constant', 0));
}

describe('augmentation', () => {
  beforeAll(async () => {
    await selectTrainingBackend('wasm');
  });

  it('leaves an image unchanged with no rotation, unit scale and no shift', () => {
    const image = squareAt(10, 12);
    expect(Array.from(warp(image, affineTransform(0, 1, 0, 0)).dataSync())).toEqual(Array.from(image.dataSync()));
  });

  it('moves the ink right and down by the shift in pixels', () => {
    const centre = inkCentre(warp(squareAt(10, 12), affineTransform(0, 1, 2, 1)));
    expect(centre.row).toBeCloseTo(11.5, 5);
    expect(centre.col).toBeCloseTo(14.5, 5);
  });

  it('rotates ink about the image centre by the angle given', () => {
    // A square right of centre, rotated 90 degrees, lands above or below the centre column.
    const centre = inkCentre(warp(squareAt(13, 20), affineTransform(90, 1, 0, 0)));
    expect(centre.col).toBeCloseTo(13.5, 4);
    expect(Math.abs(centre.row - 13.5)).toBeCloseTo(7, 4);
  });

  it('draws transforms within the configured bounds and the same ones for the same seed', () => {
    const a = randomTransforms(200, createRandom(5), { maxRotationDeg: 10, maxScale: 0.1, maxShiftPx: 2 });
    expect(randomTransforms(200, createRandom(5))).toEqual(a);
    for (let i = 0; i < 200; i++) {
      const [a0, a1] = [a[i * 8]!, a[i * 8 + 1]!];
      const scale = 1 / Math.hypot(a0, a1);
      const angle = (Math.atan2(a1, a0) * 180) / Math.PI;
      expect(scale).toBeGreaterThanOrEqual(0.9 - 1e-6);
      expect(scale).toBeLessThanOrEqual(1.1 + 1e-6);
      expect(Math.abs(angle)).toBeLessThanOrEqual(10 + 1e-4);
    }
  });

  it('warps a batch, keeping its shape and most of the ink of each image', () => {
    const batch = tf.concat([squareAt(12, 12), squareAt(8, 16), squareAt(14, 10)]) as tf.Tensor4D;
    const out = augmentBatch(batch, createRandom(9));
    expect(out.shape).toEqual([3, 28, 28, 1]);
    for (let i = 0; i < 3; i++) {
      const mass = inkCentre(tf.slice(out, [i, 0, 0, 0], [1, 28, 28, 1])).mass;
      expect(mass).toBeGreaterThan(2.5);
      expect(mass).toBeLessThan(5.5);
    }
    tf.dispose([batch, out]);
  });
});
