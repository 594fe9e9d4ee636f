import { describe, expect, it } from 'vitest';
import { extractInk, type RawImage } from './image-ink.js';

const SIZE = 16;

/** A SIZE x SIZE image with `channels` channels: every pixel `background`, a 4x6 block `ink`. */
function makeImage(channels: number, background: readonly number[], ink: readonly number[]): RawImage {
  const data = new Uint8Array(SIZE * SIZE * channels);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inBlock = x >= 5 && x < 9 && y >= 4 && y < 10;
      data.set(inBlock ? ink : background, (y * SIZE + x) * channels);
    }
  }
  return { data, width: SIZE, height: SIZE, channels };
}

function inkAt(image: RawImage, x: number, y: number): number {
  return extractInk(image).ink[y * SIZE + x];
}

describe('extractInk', () => {
  it('reads black ink on white paper as dark ink with full contrast', () => {
    const map = extractInk(makeImage(3, [255, 255, 255], [0, 0, 0]));
    expect(map.lightInkOnDark).toBe(false);
    expect(map.maxInk).toBe(255);
    expect(map.ink[5 * SIZE + 6]).toBe(255);
    expect(map.ink[0]).toBe(0);
  });

  it('reads white ink on a black background as light ink, with the same ink map', () => {
    const dark = extractInk(makeImage(1, [255], [0]));
    const light = extractInk(makeImage(1, [0], [255]));
    expect(light.lightInkOnDark).toBe(true);
    expect(Array.from(light.ink)).toEqual(Array.from(dark.ink));
  });

  it('measures ink against the background level, not against pure white', () => {
    // Grey paper (200) with mid-grey ink (80): contrast 120.
    expect(inkAt(makeImage(1, [200], [80]), 6, 5)).toBe(120);
  });

  it('treats alpha as coverage on a transparent canvas with dark strokes', () => {
    const image = makeImage(4, [0, 0, 0, 0], [0, 0, 0, 128]);
    const map = extractInk(image);
    expect(map.lightInkOnDark).toBe(false);
    expect(map.ink[5 * SIZE + 6]).toBe(128);
    expect(map.ink[0]).toBe(0);
  });

  it('keeps white strokes on a transparent canvas visible instead of flattening them onto white', () => {
    const map = extractInk(makeImage(4, [255, 255, 255, 0], [255, 255, 255, 255]));
    expect(map.lightInkOnDark).toBe(true);
    expect(map.maxInk).toBe(255);
  });

  it('flattens a grey+alpha canvas the same way as an RGBA one', () => {
    const rgba = extractInk(makeImage(4, [0, 0, 0, 0], [20, 20, 20, 200]));
    const greyAlpha = extractInk(makeImage(2, [0, 0], [20, 200]));
    expect(Array.from(greyAlpha.ink)).toEqual(Array.from(rgba.ink));
  });

  it('reads an RGBA buffer that does not start on a 4-byte boundary the same way', () => {
    const aligned = makeImage(4, [0, 0, 0, 0], [30, 60, 90, 170]);
    const shifted = new Uint8Array(aligned.data.length + 1).subarray(1);
    shifted.set(aligned.data);
    expect(shifted.byteOffset % 4).not.toBe(0);
    expect(Array.from(extractInk({ ...aligned, data: shifted }).ink)).toEqual(Array.from(extractInk(aligned).ink));
  });

  it('uses luminance weights for coloured ink (blue is darker than yellow)', () => {
    const blue = inkAt(makeImage(3, [255, 255, 255], [0, 0, 255]), 6, 5);
    const yellow = inkAt(makeImage(3, [255, 255, 255], [255, 255, 0]), 6, 5);
    expect(blue).toBeGreaterThan(200);
    expect(yellow).toBeLessThan(40);
  });

  it('reports row and column maxima that bound the ink block', () => {
    const map = extractInk(makeImage(1, [255], [0]));
    expect(Array.from(map.rowMax).map((v) => v > 0)).toEqual(Array.from({ length: SIZE }, (_, y) => y >= 4 && y < 10));
    expect(Array.from(map.columnMax).map((v) => v > 0)).toEqual(Array.from({ length: SIZE }, (_, x) => x >= 5 && x < 9));
  });

  it('estimates the noise floor from the border pixels', () => {
    const image = makeImage(1, [240], [0]);
    // Speckle every other border pixel by 12 levels, as JPEG noise would.
    for (let x = 0; x < SIZE; x += 2) image.data[x] = 228;
    for (let y = 0; y < SIZE; y += 2) image.data[y * SIZE] = 228;
    const map = extractInk(image);
    expect(map.noiseLevel).toBe(12);
    expect(extractInk(makeImage(1, [240], [0])).noiseLevel).toBe(0);
  });

  it('finds no ink in a flat image', () => {
    expect(extractInk(makeImage(3, [128, 128, 128], [128, 128, 128])).maxInk).toBe(0);
  });
});
