import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { craftPngClaimingSize } from '../../test/fixtures/crafted-png.js';
import { drawDigitPng } from '../../test/fixtures/draw-digit.js';
import { AppError, EmptyImageError, PayloadTooLargeError, UnsupportedImageError } from '../errors.js';
import { preprocessImage } from './preprocess.js';
import { loadConfig } from '../config.js';

/** The service's own limits (its defaults). */
const LIMITS = loadConfig({});

/** Deterministic bytes that look like nothing (a linear congruential generator). */
function makeNoiseBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><path d="M14 4v20" stroke="#000" stroke-width="3"/></svg>',
);
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

describe('preprocessImage refuses what is not an image we accept (415)', () => {
  it.each([
    ['random bytes', makeNoiseBytes(4096, 7)],
    ['an empty buffer', Buffer.alloc(0)],
    ['a PDF', PDF],
    ['an HTML page', Buffer.from('<!doctype html><title>x</title>')],
  ])('returns UnsupportedImageError for %s', async (_name, bytes) => {
    const error = await preprocessImage(bytes, LIMITS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedImageError);
    expect((error as UnsupportedImageError).status).toBe(415);
  });

  it('refuses an SVG although sharp itself would happily rasterise it', async () => {
    expect((await sharp(SVG).png().toBuffer()).length).toBeGreaterThan(0);
    await expect(preprocessImage(SVG, LIMITS)).rejects.toBeInstanceOf(UnsupportedImageError);
  });

  it('refuses an AVIF although sharp decodes it: only PNG, JPEG, WebP, GIF and TIFF get in', async () => {
    const avif = await sharp(await drawDigitPng(1)).avif().toBuffer();
    expect((await sharp(avif).metadata()).format).toBe('heif');
    await expect(preprocessImage(avif, LIMITS)).rejects.toBeInstanceOf(UnsupportedImageError);
  });

  it('returns UnsupportedImageError, not a libvips error, for a truncated PNG', async () => {
    const noise = makeNoiseBytes(100 * 100 * 3, 3);
    const png = await sharp(noise, { raw: { width: 100, height: 100, channels: 3 } }).png().toBuffer();
    const error = await preprocessImage(png.subarray(0, png.length >> 1), LIMITS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedImageError);
    expect((error as Error).message).not.toMatch(/vips|libpng/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('never lets an unnamed error escape from damaged files of every accepted format', async () => {
    const png = await drawDigitPng(3);
    const others = await Promise.all((['jpeg', 'webp', 'gif', 'tiff'] as const).map((f) => sharp(png).toFormat(f).toBuffer()));
    const sources = [png, ...others];
    for (const [s, source] of sources.entries()) {
      for (const cut of [0.1, 0.5, 0.9]) {
        const truncated = Buffer.from(source.subarray(0, Math.floor(source.length * cut)));
        // Same length, but a run of bytes overwritten mid-file.
        const overwritten = Buffer.from(source);
        makeNoiseBytes(64, s * 10 + cut * 10).copy(overwritten, Math.floor(source.length * cut));
        for (const bytes of [truncated, overwritten]) {
          const outcome = await preprocessImage(bytes, LIMITS).then(
            () => 'decoded',
            (error: unknown) => (error instanceof AppError ? error.code : `unnamed: ${String(error)}`),
          );
          expect(['decoded', 'unsupported_image', 'no_ink']).toContain(outcome);
        }
      }
    }
  });
});

describe('preprocessImage refuses images with too many pixels (413), from the header alone', () => {
  it('refuses a 70-byte PNG claiming 100000x100000 pixels', async () => {
    const bomb = craftPngClaimingSize(100_000, 100_000);
    expect(bomb.length).toBeLessThan(100);
    const error = await preprocessImage(bomb, LIMITS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).status).toBe(413);
    expect((error as Error).message).toContain('100000x100000');
  });

  it('decides before decoding: the same bytes claiming 10x10 fail to decode instead (415)', async () => {
    // Its pixel data is far too short for 100000x100000, so a decode could only end in 415:
    // a 413 for the big header shows the header alone was used.
    await expect(preprocessImage(craftPngClaimingSize(10, 10), LIMITS)).rejects.toBeInstanceOf(UnsupportedImageError);
    await expect(preprocessImage(craftPngClaimingSize(5000, 5000), LIMITS)).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('accepts exactly maxInputPixels and refuses one pixel fewer allowed', async () => {
    const png = await drawDigitPng(1, { sizePx: 64, strokeWidthPx: 5 });
    await expect(preprocessImage(png, { ...LIMITS, maxInputPixels: 64 * 64 })).resolves.toMatchObject({ sourceWidth: 64 });
    await expect(preprocessImage(png, { ...LIMITS, maxInputPixels: 64 * 64 - 1 })).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});

describe('preprocessImage refuses images without ink (422)', () => {
  const make = (channels: 3 | 4, background: { r: number; g: number; b: number; alpha: number }) =>
    sharp({ create: { width: 280, height: 280, channels, background } });

  it.each([
    ['a blank white PNG', () => make(3, { r: 255, g: 255, b: 255, alpha: 1 }).png().toBuffer()],
    ['a blank transparent canvas', () => make(4, { r: 0, g: 0, b: 0, alpha: 0 }).png().toBuffer()],
    ['a flat grey PNG', () => make(3, { r: 128, g: 128, b: 128, alpha: 1 }).png().toBuffer()],
    ['a flat black PNG', () => make(3, { r: 0, g: 0, b: 0, alpha: 1 }).png().toBuffer()],
    ['a flat grey JPEG', () => make(3, { r: 90, g: 90, b: 90, alpha: 1 }).jpeg({ quality: 40 }).toBuffer()],
  ])('returns EmptyImageError for %s', async (_name, encode) => {
    const error = await preprocessImage(await encode(), LIMITS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmptyImageError);
    expect((error as EmptyImageError).status).toBe(422);
  });

  it('returns EmptyImageError for a faint smudge far below stroke contrast', async () => {
    const pixels = Buffer.alloc(100 * 100, 250);
    for (let i = 4040; i < 4060; i++) pixels[i] = 235;
    const png = await sharp(pixels, { raw: { width: 100, height: 100, channels: 1 } }).png().toBuffer();
    await expect(preprocessImage(png, LIMITS)).rejects.toBeInstanceOf(EmptyImageError);
  });
});
