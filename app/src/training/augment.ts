import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE } from '../mnist/geometry.js';

/**
 * Cheap training-time augmentation: every image gets its own small random rotation, scale and
 * shift, applied as one affine warp per image by the backend's `Transform` kernel (bilinear,
 * zero fill), so the whole batch is a single op. Handwriting varies in exactly these ways; the
 * net then learns them instead of memorising pixel positions.
 */

export interface AugmentOptions {
  /** Largest rotation either way, in degrees. @default 10 */
  readonly maxRotationDeg?: number;
  /** Largest relative size change either way (0.1 = 90%..110%). @default 0.1 */
  readonly maxScale?: number;
  /** Largest shift either way, in pixels. @default 2 */
  readonly maxShiftPx?: number;
}

export const DEFAULT_AUGMENT: Required<AugmentOptions> = { maxRotationDeg: 10, maxScale: 0.1, maxShiftPx: 2 };

/** The 8 projective coefficients mapping each output pixel to the input pixel it samples. */
export function affineTransform(rotationDeg: number, scale: number, shiftX: number, shiftY: number): number[] {
  const theta = (rotationDeg * Math.PI) / 180;
  const cos = Math.cos(theta) / scale;
  const sin = Math.sin(theta) / scale;
  const centre = (IMAGE_SIZE - 1) / 2;
  // input = R(-theta)/scale * (output - centre) + centre - shift
  const a0 = cos;
  const a1 = sin;
  const b0 = -sin;
  const b1 = cos;
  return [a0, a1, centre - a0 * centre - a1 * centre - shiftX, b0, b1, centre - b0 * centre - b1 * centre - shiftY, 0, 0];
}

/** Draws one random transform per image with `random` (uniform in [0, 1)). */
export function randomTransforms(count: number, random: () => number, options: AugmentOptions = {}): Float32Array {
  const o = { ...DEFAULT_AUGMENT, ...options };
  const spread = (max: number): number => (random() * 2 - 1) * max;
  const out = new Float32Array(count * 8);
  for (let i = 0; i < count; i++) {
    out.set(affineTransform(spread(o.maxRotationDeg), 1 + spread(o.maxScale), spread(o.maxShiftPx), spread(o.maxShiftPx)), i * 8);
  }
  return out;
}

/** Warps a [batch, 28, 28, 1] tensor; the caller owns (and disposes) the result. */
export function augmentBatch(images: tf.Tensor4D, random: () => number, options: AugmentOptions = {}): tf.Tensor4D {
  return tf.tidy(() => {
    const count = images.shape[0];
    const transforms = tf.tensor2d(randomTransforms(count, random, options), [count, 8]);
    return tf.image.transform(images, transforms, 'bilinear', 'constant', 0);
  });
}
