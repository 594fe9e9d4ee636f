import { describe, expect, it } from 'vitest';
import { IMAGE_SIZE } from '../mnist/geometry.js';
import { findInkBox, fitAndCentre, measureCentreOfMass } from './image-fit.js';
import type { InkMap } from './image-ink.js';

/** An ink map of `width` x `height` with `paint(x, y)` as each pixel's ink. */
function makeInkMap(width: number, height: number, paint: (x: number, y: number) => number): InkMap {
  const ink = new Uint8Array(width * height);
  const rowMax = new Uint8Array(height);
  const columnMax = new Uint8Array(width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = paint(x, y);
      ink[y * width + x] = value;
      rowMax[y] = Math.max(rowMax[y], value);
      columnMax[x] = Math.max(columnMax[x], value);
    }
  }
  const maxInk = Math.max(...rowMax);
  return { ink, width, height, maxInk, noiseLevel: 0, lightInkOnDark: false, rowMax, columnMax };
}

function measureBox(pixels: Float32Array): { width: number; height: number } {
  let left = IMAGE_SIZE;
  let right = -1;
  let top = IMAGE_SIZE;
  let bottom = -1;
  pixels.forEach((value, i) => {
    if (value <= 0) return;
    const x = i % IMAGE_SIZE;
    const y = Math.floor(i / IMAGE_SIZE);
    left = Math.min(left, x);
    right = Math.max(right, x);
    top = Math.min(top, y);
    bottom = Math.max(bottom, y);
  });
  return { width: right - left + 1, height: bottom - top + 1 };
}

const inside = (x: number, y: number, left: number, top: number, w: number, h: number): boolean =>
  x >= left && x < left + w && y >= top && y < top + h;

describe('findInkBox', () => {
  it('ignores ink below the threshold when bounding the digit', () => {
    const map = makeInkMap(50, 40, (x, y) => (inside(x, y, 10, 5, 20, 30) ? 255 : x === 45 && y === 2 ? 20 : 0));
    expect(findInkBox(map, 30)).toEqual({ left: 10, top: 5, width: 20, height: 30 });
    expect(findInkBox(map, 10)).toEqual({ left: 10, top: 2, width: 36, height: 33 });
  });

  it('returns undefined when nothing reaches the threshold', () => {
    expect(findInkBox(makeInkMap(10, 10, () => 5), 6)).toBeUndefined();
  });
});

describe('fitAndCentre', () => {
  it('fits a tall block into 20 pixels of height, keeping its aspect ratio', () => {
    const map = makeInkMap(300, 300, (x, y) => (inside(x, y, 100, 20, 100, 200) ? 255 : 0));
    const pixels = fitAndCentre(map, findInkBox(map, 1)!, 1);
    expect(measureBox(pixels)).toEqual({ width: 10, height: 20 });
  });

  it('downscales by area averaging: a fine checkerboard becomes uniform grey, not aliased stripes', () => {
    const map = makeInkMap(200, 200, (x, y) => ((x + y) % 2 === 0 ? 255 : 0));
    const pixels = fitAndCentre(map, { left: 0, top: 0, width: 200, height: 200 }, 1);
    const inked = Array.from(pixels).filter((v) => v > 0);
    expect(inked).toHaveLength(400);
    for (const value of inked) expect(value).toBeCloseTo(0.5, 5);
  });

  it('puts the centre of mass on (14, 14) within half a pixel, for a lopsided shape', () => {
    // A thin stem with a heavy block to its right, like a "b" or "h": most mass is right of centre.
    const map = makeInkMap(120, 120, (x, y) => (inside(x, y, 10, 10, 10, 100) || inside(x, y, 20, 45, 50, 30) ? 255 : 0));
    const pixels = fitAndCentre(map, findInkBox(map, 1)!, 1);
    const centre = measureCentreOfMass(pixels, IMAGE_SIZE, IMAGE_SIZE);
    expect(Math.abs(centre.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(centre.y - 14)).toBeLessThanOrEqual(0.5);
  });

  it('keeps the whole digit in the frame when centring by mass would push it out', () => {
    // A 20-pixel-tall shape with nearly all its mass in the top row.
    const map = makeInkMap(20, 20, (x, y) => (y === 0 ? 255 : x === 0 ? 1 : 0));
    const pixels = fitAndCentre(map, { left: 0, top: 0, width: 20, height: 20 }, 1);
    expect(measureBox(pixels).height).toBe(20);
    const total = Array.from(pixels).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo((20 * 255 + 19) / 255, 3);
  });

  it('scales ink so the strongest source pixel becomes 1.0, and drops ink under the noise floor', () => {
    const map = makeInkMap(20, 20, (x, y) => (x === 3 ? 100 : y === 7 ? 4 : 0));
    const pixels = fitAndCentre(map, { left: 0, top: 0, width: 20, height: 20 }, 5);
    expect(Math.max(...pixels)).toBeCloseTo(1, 6);
    expect(Array.from(pixels).filter((v) => v > 0)).toHaveLength(20);
  });

  it('grows a small digit up to the 20-pixel box', () => {
    const map = makeInkMap(28, 28, (x, y) => (inside(x, y, 10, 9, 5, 10) ? 255 : 0));
    const pixels = fitAndCentre(map, findInkBox(map, 1)!, 1);
    expect(measureBox(pixels)).toEqual({ width: 10, height: 20 });
  });
});

describe('measureCentreOfMass', () => {
  it('uses pixel-index coordinates, as MNIST mass centres were measured', () => {
    const pixels = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
    pixels[3 * IMAGE_SIZE + 5] = 1;
    pixels[3 * IMAGE_SIZE + 7] = 1;
    expect(measureCentreOfMass(pixels, IMAGE_SIZE, IMAGE_SIZE)).toEqual({ x: 6, y: 3 });
  });
});
