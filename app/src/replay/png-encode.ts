import sharp from 'sharp';
import { IMAGE_SIZE } from '../mnist/geometry.js';

/**
 * Encoding of 28x28 inputs as the PNG a client would upload: one grey channel, MNIST polarity
 * (light ink on black). Done once, before the load starts, so encoding never competes with
 * the measurement.
 */

/** PNGs encoded concurrently; sharp runs them on the libuv pool, this bounds the queue. */
const ENCODE_BATCH = 64;

/** Encodes 784 grey bytes (row-major) as a 28x28 one-channel PNG. */
export function encodeGreyPng(pixels: Uint8Array): Promise<Buffer> {
  return sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), {
    raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 1 },
  })
    // Without this, libvips interprets one band as sRGB and writes a 3-channel PNG.
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

/** Encodes `indices` of `images` in batches; returns a map from index to PNG bytes. */
export async function encodeAll(images: readonly Uint8Array[], indices: readonly number[]): Promise<Map<number, Buffer>> {
  const pngs = new Map<number, Buffer>();
  for (let start = 0; start < indices.length; start += ENCODE_BATCH) {
    const batch = indices.slice(start, start + ENCODE_BATCH);
    const encoded = await Promise.all(batch.map((i) => encodeGreyPng(images[i]!)));
    batch.forEach((i, n) => pngs.set(i, encoded[n]!));
  }
  return pngs;
}
