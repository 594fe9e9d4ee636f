import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { craftPngClaimingSize } from '../../test/fixtures/crafted-png.js';
import { drawDigitPng } from '../../test/fixtures/draw-digit.js';
import { animatedImage, type AnimatedFormat } from '../../test/fixtures/image-bombs.js';
import { countFrames, readPngSize } from './image-header.js';

const ANIMATED: readonly AnimatedFormat[] = ['gif', 'webp', 'tiff'];

describe('countFrames', () => {
  it.each(ANIMATED)('counts the frames of a %s as libvips does', async (format) => {
    const image = await animatedImage(format, 7);
    expect((await sharp(image).metadata()).pages).toBe(7);
    expect(countFrames(image, format, 100)).toBe(7);
  });

  it.each(ANIMATED)('stops counting a %s frame bomb just past the limit', async (format) => {
    const bomb = await animatedImage(format, 3000);
    expect(countFrames(bomb, format, 100)).toBe(101);
  });

  it('says 1 for still images, whatever their format', async () => {
    const png = await drawDigitPng(3);
    expect(countFrames(png, 'png', 100)).toBe(1);
    expect(countFrames(await sharp(png).jpeg().toBuffer(), 'jpeg', 100)).toBe(1);
    expect(countFrames(await sharp(png).webp().toBuffer(), 'webp', 100)).toBe(1);
    expect(countFrames(await sharp(png).gif().toBuffer(), 'gif', 100)).toBe(1);
    expect(countFrames(await sharp(png).tiff().toBuffer(), 'tiff', 100)).toBe(1);
  });

  it.each(ANIMATED)('returns what it counted before the damage in a truncated or looping %s, never throws', async (format) => {
    const image = await animatedImage(format, 20);
    for (const cut of [0, 3, 11, 13, 40, image.length >> 1]) {
      const counted = countFrames(image.subarray(0, cut), format, 100);
      expect(counted).toBeGreaterThanOrEqual(0);
      expect(counted).toBeLessThanOrEqual(20);
    }
  });

  it('does not loop on a TIFF whose page chain points back at itself', () => {
    const tiff = Buffer.alloc(32);
    tiff.write('II*\0', 0, 'latin1');
    tiff.writeUInt32LE(8, 4); // first IFD at 8
    tiff.writeUInt16LE(0, 8); // no entries
    tiff.writeUInt32LE(8, 10); // next IFD: itself
    expect(countFrames(tiff, 'tiff', 100)).toBe(1);
  });
});

describe('readPngSize', () => {
  it('reads the size from IHDR, as libvips does', async () => {
    const png = await drawDigitPng(3, { sizePx: 123 });
    const { width, height } = await sharp(png).metadata();
    expect(readPngSize(png)).toEqual({ width, height });
    expect(readPngSize(craftPngClaimingSize(100_000, 3))).toEqual({ width: 100_000, height: 3 });
  });

  it('gives up on a PNG without IHDR first', () => {
    expect(readPngSize(craftPngClaimingSize(10, 10).subarray(0, 20))).toBeUndefined();
  });
});
