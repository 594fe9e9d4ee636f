import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readMnistTestDigit } from '../../test/fixtures/mnist-idx.js';
import { IMAGE_PIXELS, IMAGE_SIZE } from '../mnist/geometry.js';
import { measureCentreOfMass } from './image-fit.js';
import { preprocessImage } from './preprocess.js';
import { loadConfig } from '../config.js';

/** The service's own limits (its defaults). */
const LIMITS = loadConfig({});
const DIGITS_CHECKED = 300;

/** Mean absolute difference between `a` and `b` moved by (dx, dy), in grey levels. */
function diffShifted(a: Uint8Array, b: Uint8Array, dx: number, dy: number): number {
  let sum = 0;
  for (let y = 0; y < IMAGE_SIZE; y++) {
    for (let x = 0; x < IMAGE_SIZE; x++) {
      const sx = x - dx;
      const sy = y - dy;
      const moved = sx >= 0 && sx < IMAGE_SIZE && sy >= 0 && sy < IMAGE_SIZE ? b[sy * IMAGE_SIZE + sx] : 0;
      sum += Math.abs(a[y * IMAGE_SIZE + x] - moved);
    }
  }
  return sum / IMAGE_PIXELS;
}

/**
 * MNIST digits were made by this very procedure (20x20 fit, then mass-centred in 28x28), so
 * preprocessing one again must give it back: unchanged, or moved by one pixel where MNIST's
 * own rounding left the mass centre just over half a pixel from (14, 14).
 */
describe('preprocessImage on real MNIST test digits', () => {
  it(`round-trips the first ${DIGITS_CHECKED} t10k digits, encoded as PNG, to nearly the same 28x28`, async () => {
    let identical = 0;
    for (let index = 0; index < DIGITS_CHECKED; index++) {
      const digit = readMnistTestDigit(index);
      const png = await sharp(digit.pixels, { raw: { width: digit.width, height: digit.height, channels: 1 } }).png().toBuffer();
      const result = await preprocessImage(png, LIMITS);
      expect(result.lightInkOnDark, `digit #${index}`).toBe(true);
      const shifts = [-1, 0, 1].flatMap((dx) => [-1, 0, 1].map((dy) => diffShifted(result.input, digit.pixels, dx, dy)));
      expect(Math.min(...shifts), `digit #${index}`).toBeLessThan(1);
      if (diffShifted(result.input, digit.pixels, 0, 0) === 0) identical += 1;
    }
    // Measured on all 10,000: 75.5% come back byte for byte.
    expect(identical / DIGITS_CHECKED).toBeGreaterThan(0.6);
  });

  it('keeps an MNIST digit mass-centred within half a pixel of (14, 14)', async () => {
    for (const index of [0, 1, 2, 3, 4]) {
      const digit = readMnistTestDigit(index);
      const png = await sharp(digit.pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
      const centre = measureCentreOfMass((await preprocessImage(png, LIMITS)).pixels, IMAGE_SIZE, IMAGE_SIZE);
      expect(Math.abs(centre.x - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(centre.y - 14)).toBeLessThanOrEqual(0.5);
    }
  });

  it('reads the same digit drawn dark on light (MNIST inverted) as light on dark', async () => {
    const digit = readMnistTestDigit(7);
    const inverted = digit.pixels.map((v) => 255 - v);
    const encode = (pixels: Uint8Array) => sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
    const light = await preprocessImage(await encode(digit.pixels), LIMITS);
    const dark = await preprocessImage(await encode(inverted), LIMITS);
    expect(dark.lightInkOnDark).toBe(false);
    expect(Array.from(dark.input)).toEqual(Array.from(light.input));
  });
});
