import { describe, expect, it } from 'vitest';
import { craftBlackPng } from '../../test/fixtures/crafted-png.js';
import { drawDigitPng } from '../../test/fixtures/draw-digit.js';
import {
  animatedImage,
  gifClaimingSize,
  jpegClaimingSize,
  pngWithInflatingChunk,
  tiffClaimingSize,
  webpClaimingSize,
} from '../../test/fixtures/image-bombs.js';
import { loadConfig } from '../config.js';
import { AppError, PayloadTooLargeError } from '../errors.js';
import { preprocessImage, type PreprocessLimits } from './preprocess.js';

/** The service's own limits (its defaults): 1024x1024 pixels, 2048 a side, 100 frames, 2 s. */
const LIMITS: PreprocessLimits = loadConfig({});

async function outcomeOf(bytes: Buffer, limits: PreprocessLimits = LIMITS): Promise<string> {
  return preprocessImage(bytes, limits).then(
    () => 'decoded',
    (error: unknown) => (error instanceof AppError ? `${error.status} ${error.message}` : `unnamed: ${String(error)}`),
  );
}

describe('preprocessImage refuses from the header what would cost too much to decode (413)', () => {
  it.each([
    ['a tall PNG', () => craftBlackPng(1, 2049), 'image is 1x2049 pixels; the limit is 2048 pixels a side'],
    ['a wide PNG', () => craftBlackPng(2049, 1), 'image is 2049x1 pixels; the limit is 2048 pixels a side'],
    ['a PNG over the pixel limit', () => craftBlackPng(1025, 1024), 'image is 1025x1024 pixels; the limit is 1048576 pixels'],
    ['a JPEG claiming 65500x65500', () => jpegClaimingSize(65_500, 65_500), 'image is 65500x65500 pixels; the limit is 2048 pixels a side'],
    ['a JPEG claiming 1100x1000', () => jpegClaimingSize(1100, 1000), 'image is 1100x1000 pixels; the limit is 1048576 pixels'],
    ['a WebP claiming 16383x16383', () => webpClaimingSize(16_383, 16_383), 'image is 16383x16383 pixels; the limit is 2048 pixels a side'],
    ['a GIF claiming 3000x1', () => gifClaimingSize(3000, 1), 'image is 3000x1 pixels; the limit is 2048 pixels a side'],
    ['a GIF claiming 65535x65535', () => gifClaimingSize(65_535, 65_535), 'image is 65535x65535 pixels; the limit is 2048 pixels a side'],
    ['a TIFF claiming 100000x100000', () => tiffClaimingSize(100_000, 100_000), 'image is 100000x100000 pixels; the limit is 2048 pixels a side'],
    ['a GIF of 101 frames', () => animatedImage('gif', 101), 'the gif image has more than 100 frames'],
    ['a WebP of 5000 frames', () => animatedImage('webp', 5000), 'the webp image has more than 100 frames'],
    ['a TIFF of 101 pages', () => animatedImage('tiff', 101), 'the tiff image has more than 100 frames'],
  ])('refuses %s', async (_name, make, message) => {
    expect(await outcomeOf(await make())).toBe(`413 ${message}`);
  });

  it('accepts an image exactly at every limit', async () => {
    expect(await outcomeOf(craftBlackPng(2048, 512))).toMatch(/^422 /);
    expect(await outcomeOf(craftBlackPng(1024, 1024))).toMatch(/^422 /);
    expect(await outcomeOf(await animatedImage('gif', 100))).not.toMatch(/^413/);
  });

  it('stops a decode that runs past its budget: a 1x16777216 PNG within raised limits', async () => {
    const tall = craftBlackPng(1, 16_777_216);
    const limits = { ...LIMITS, maxImageSidePx: 16_777_216, maxInputPixels: 16_777_216, decodeTimeoutMs: 1_000 };
    const error = await preprocessImage(tall, limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as Error).message).toBe('the png image took longer than 1000 ms to decode');
  });
});

describe('preprocessImage ignores metadata bombs: chunks that inflate to 256 MiB', () => {
  it.each(['zTXt', 'iCCP', 'iTXt'] as const)('answers a PNG carrying a %s bomb like any blank image', async (type) => {
    expect(await outcomeOf(pngWithInflatingChunk(type))).toMatch(/^(422|415) /);
  });

  it('still reads a drawn digit after all of the above', async () => {
    expect(await outcomeOf(await drawDigitPng(4))).toBe('decoded');
  });
});
