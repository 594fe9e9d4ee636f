import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { drawDigitPng, renderDigitRgba, type DrawOptions } from '../../test/fixtures/draw-digit.js';
import { DIGIT_BOX, IMAGE_PIXELS, IMAGE_SIZE } from '../mnist/geometry.js';
import type { PreprocessedDigit } from './preprocess.js';
import { measureCentreOfMass } from './image-fit.js';
import { preprocessImage } from './preprocess.js';
import { loadConfig } from '../config.js';

/** The service's own limits (its defaults). */
const LIMITS = loadConfig({});
const WHITE = { r: 255, g: 255, b: 255 };
const BLACK = { r: 0, g: 0, b: 0 };

function measureInkBox(input: Uint8Array): { width: number; height: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  input.forEach((value, i) => {
    if (value === 0) return;
    xs.push(i % IMAGE_SIZE);
    ys.push(Math.floor(i / IMAGE_SIZE));
  });
  return { width: Math.max(...xs) - Math.min(...xs) + 1, height: Math.max(...ys) - Math.min(...ys) + 1 };
}

/** Mean absolute difference of two 28x28 inputs, in grey levels (0..255). */
function diffInputs(a: PreprocessedDigit, b: PreprocessedDigit): number {
  let sum = 0;
  for (let i = 0; i < IMAGE_PIXELS; i++) sum += Math.abs(a.input[i] - b.input[i]);
  return sum / IMAGE_PIXELS;
}

/** Encodes a drawn digit (RGBA) into `format` with sharp. */
async function encodeDigit(digit: number, format: 'jpeg' | 'webp' | 'tiff' | 'gif', options: DrawOptions): Promise<Buffer> {
  const image = renderDigitRgba(digit, options);
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .toFormat(format, format === 'jpeg' || format === 'webp' ? { quality: 80 } : {})
    .toBuffer();
}

describe('preprocessImage on a browser canvas PNG (dark strokes, transparent background)', () => {
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])('makes digit %i an MNIST-style 28x28: mass-centred, fitted to 20x20', async (digit) => {
    const result = await preprocessImage(await drawDigitPng(digit), LIMITS);
    expect(result.lightInkOnDark).toBe(false);
    expect(result).toMatchObject({ format: 'png', sourceWidth: 280, sourceHeight: 280 });
    const centre = measureCentreOfMass(result.pixels, IMAGE_SIZE, IMAGE_SIZE);
    expect(Math.abs(centre.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(centre.y - 14)).toBeLessThanOrEqual(0.5);
    const box = measureInkBox(result.input);
    expect(Math.max(box.width, box.height)).toBe(DIGIT_BOX);
    expect(Math.min(box.width, box.height)).toBeLessThanOrEqual(DIGIT_BOX);
  });

  it('hands the model floats that are exactly the stored bytes divided by 255, with full-strength strokes', async () => {
    const result = await preprocessImage(await drawDigitPng(8), LIMITS);
    expect(result.pixels).toHaveLength(IMAGE_PIXELS);
    expect(result.input).toHaveLength(IMAGE_PIXELS);
    result.input.forEach((level, i) => expect(result.pixels[i]).toBe(Math.fround(level / 255)));
    expect(Math.max(...result.input)).toBe(255);
    // Background stays exactly 0, as in MNIST: the four corners are empty.
    for (const i of [0, IMAGE_SIZE - 1, IMAGE_PIXELS - IMAGE_SIZE, IMAGE_PIXELS - 1]) expect(result.input[i]).toBe(0);
  });

  it('does not depend on where on the canvas or how large the digit was drawn', async () => {
    const centred = await preprocessImage(await drawDigitPng(2), LIMITS);
    // Three quarters of the default size, brush scaled alike, near the bottom-left corner.
    const smallInCorner = await preprocessImage(
      await drawDigitPng(2, { box: { x: 10, y: 140, heightPx: 126 }, strokeWidthPx: 15 }),
      LIMITS,
    );
    expect(diffInputs(centred, smallInCorner)).toBeLessThan(3);
  });
});

describe('preprocessImage polarity', () => {
  it('gives white-on-black the same result as black-on-white and as the transparent canvas', async () => {
    const canvas = await preprocessImage(await drawDigitPng(5), LIMITS);
    const darkOnLight = await preprocessImage(await drawDigitPng(5, { ink: BLACK, background: WHITE }), LIMITS);
    const lightOnDark = await preprocessImage(await drawDigitPng(5, { ink: WHITE, background: BLACK }), LIMITS);
    expect(darkOnLight.lightInkOnDark).toBe(false);
    expect(lightOnDark.lightInkOnDark).toBe(true);
    expect(diffInputs(darkOnLight, lightOnDark)).toBeLessThan(0.5);
    expect(diffInputs(canvas, darkOnLight)).toBeLessThan(0.5);
  });

  it('finds light strokes on a transparent canvas instead of losing them against white', async () => {
    const result = await preprocessImage(await drawDigitPng(4, { ink: WHITE }), LIMITS);
    const reference = await preprocessImage(await drawDigitPng(4), LIMITS);
    expect(result.lightInkOnDark).toBe(true);
    expect(diffInputs(result, reference)).toBeLessThan(0.5);
  });

  it('reads blue ballpoint on cream paper as dark ink on light', async () => {
    const result = await preprocessImage(
      await drawDigitPng(7, { ink: { r: 20, g: 40, b: 160 }, background: { r: 250, g: 240, b: 215 } }),
      LIMITS,
    );
    const reference = await preprocessImage(await drawDigitPng(7), LIMITS);
    expect(result.lightInkOnDark).toBe(false);
    expect(diffInputs(result, reference)).toBeLessThan(1);
  });
});

describe('preprocessImage formats', () => {
  const opaque: DrawOptions = { ink: BLACK, background: WHITE };

  it.each(['jpeg', 'webp', 'tiff'] as const)('decodes %s to nearly the same digit as PNG', async (format) => {
    const result = await preprocessImage(await encodeDigit(6, format, opaque), LIMITS);
    const reference = await preprocessImage(await drawDigitPng(6, opaque), LIMITS);
    expect(result.format).toBe(format);
    expect(diffInputs(result, reference)).toBeLessThan(2);
  });

  it('reads palette, 16-bit and grey+alpha PNGs of a canvas like the plain RGBA one', async () => {
    const canvas = await drawDigitPng(2);
    const reference = await preprocessImage(canvas, LIMITS);
    const variants = [
      await sharp(canvas).png({ palette: true }).toBuffer(),
      await sharp(canvas).toColourspace('rgb16').png().toBuffer(),
      await sharp(canvas).toColourspace('b-w').png().toBuffer(),
    ];
    const layouts = await Promise.all(variants.map(async (v) => (await sharp(v).metadata()).space));
    expect(layouts).toEqual(['srgb', 'rgb16', 'b-w']);
    for (const variant of variants) expect(diffInputs(await preprocessImage(variant, LIMITS), reference)).toBeLessThan(0.5);
  });

  it('keeps JPEG ringing around strokes from widening the bounding box', async () => {
    const image = renderDigitRgba(1, opaque);
    const jpeg = await sharp(image.data, { raw: { width: 280, height: 280, channels: 4 } }).jpeg({ quality: 50 }).toBuffer();
    const result = await preprocessImage(jpeg, LIMITS);
    const reference = await preprocessImage(await drawDigitPng(1, opaque), LIMITS);
    expect(measureInkBox(result.input)).toEqual(measureInkBox(reference.input));
  });

  it('uses the first frame of an animated GIF', async () => {
    const three = renderDigitRgba(3, opaque);
    const seven = renderDigitRgba(7, opaque);
    const frames = Buffer.concat([three.data, seven.data]);
    const gif = await sharp(frames, { raw: { width: 280, height: 560, channels: 4, pageHeight: 280 } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const result = await preprocessImage(gif, LIMITS);
    expect(result).toMatchObject({ format: 'gif', sourceWidth: 280, sourceHeight: 280 });
    const asThree = await preprocessImage(await drawDigitPng(3, opaque), LIMITS);
    const asSeven = await preprocessImage(await drawDigitPng(7, opaque), LIMITS);
    expect(diffInputs(result, asThree)).toBeLessThan(2);
    expect(diffInputs(result, asSeven)).toBeGreaterThan(20);
  });

  it('turns a phone photo upright from its EXIF orientation before reading it', async () => {
    const image = renderDigitRgba(7, opaque);
    const upright = sharp(image.data, { raw: { width: 280, height: 280, channels: 4 } });
    // Stored rotated a quarter turn anticlockwise, tagged "rotate 90 clockwise to display" (6).
    const sideways = await upright.clone().rotate(-90).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
    const result = await preprocessImage(sideways, LIMITS);
    const reference = await preprocessImage(await upright.clone().jpeg({ quality: 90 }).toBuffer(), LIMITS);
    expect(diffInputs(result, reference)).toBeLessThan(1);
  });
});
