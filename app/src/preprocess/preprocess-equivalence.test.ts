import sharp, { type Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderDigitRgba, type DrawOptions } from '../../test/fixtures/draw-digit.js';
import { extractInk as extractInkReference } from '../../test/fixtures/reference/image-ink.js';
import { extractInk, type InkMap, type RawImage } from './image-ink.js';

/**
 * The sped-up ink pass (image-ink.ts with image-ink-rgba.ts) against a frozen copy of the code
 * it replaced (image-fit.ts was not changed; it has its own tests), on drawn digits in every
 * layout and on random images built to hit the edge cases of the fast paths: runs of fully transparent pixels next to
 * half-transparent black ones (a Float64 pair that reads as -0), odd pixel counts, buffers not
 * aligned to 8 or 4 bytes, transparent pixels that carry ink, single rows and columns.
 * Every output must be bit-for-bit the same.
 */

/** A deterministic pseudo-random generator (a linear congruential generator). */
function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 8;
  };
}

/** Random RGBA with the pixel kinds the fast paths treat differently, in runs. */
function makeRandomRgba(width: number, height: number, seed: number, transparentColour = 0): RawImage {
  const next = makeRandom(seed);
  const data = new Uint8Array(width * height * 4);
  let kind = 0;
  for (let i = 0; i < width * height; i++) {
    if (next() % 7 === 0) kind = next() % 5;
    const word = [0, 0x80000000, 0xff000000 | (next() & 0xffffff), (next() & 0xff) << 24 | (next() & 0xffffff), transparentColour][kind]!;
    data[i * 4] = word & 0xff;
    data[i * 4 + 1] = (word >>> 8) & 0xff;
    data[i * 4 + 2] = (word >>> 16) & 0xff;
    data[i * 4 + 3] = word >>> 24;
  }
  return { data, width, height, channels: 4 };
}

/** The same pixels starting `offset` bytes into a larger buffer. */
function shiftBuffer(image: RawImage, offset: number): RawImage {
  const backing = new Uint8Array(image.data.length + offset);
  backing.set(image.data, offset);
  return { ...image, data: backing.subarray(offset) };
}

async function decodeDrawn(digit: number, options: DrawOptions, layout: (image: Sharp) => Sharp): Promise<RawImage> {
  const rgba = renderDigitRgba(digit, options);
  const png = await layout(sharp(rgba.data, { raw: { width: rgba.width, height: rgba.height, channels: 4 } })).png().toBuffer();
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Asserts the two ink passes give the same ink map, byte for byte, and the same summaries. */
function expectSameResults(image: RawImage): void {
  const expected = extractInkReference(image);
  const actual = extractInk(image);
  const fields = (m: InkMap) => ({ ...m, ink: Buffer.from(m.ink).toString('base64'), rowMax: Array.from(m.rowMax), columnMax: Array.from(m.columnMax) });
  expect(fields(actual)).toEqual(fields(expected));
}

describe('the optimised ink pass gives exactly the old results', () => {
  const drawn: Array<[string, RawImage]> = [];
  beforeAll(async () => {
    const white = { r: 255, g: 255, b: 255 };
    for (let digit = 0; digit < 10; digit++) {
      drawn.push([`canvas ${digit}`, await decodeDrawn(digit, {}, (s) => s)]);
      drawn.push([`white strokes on a transparent canvas ${digit}`, await decodeDrawn(digit, { ink: white }, (s) => s)]);
      drawn.push([`small canvas ${digit}`, await decodeDrawn(digit, { sizePx: 57, strokeWidthPx: 5 }, (s) => s)]);
      drawn.push([`ink on paper, RGB ${digit}`, await decodeDrawn(digit, { background: { r: 250, g: 245, b: 230 }, ink: { r: 20, g: 40, b: 160 } }, (s) => s.removeAlpha())]);
      drawn.push([`grey+alpha ${digit}`, await decodeDrawn(digit, {}, (s) => s.toColourspace('b-w'))]);
      drawn.push([`grey ${digit}`, await decodeDrawn(digit, { background: white }, (s) => s.removeAlpha().toColourspace('b-w'))]);
    }
  });

  it('on drawn digits: canvas RGBA, light strokes, RGB paper, grey+alpha and grey', () => {
    expect(drawn.length).toBe(60);
    for (const [name, image] of drawn) {
      try {
        expectSameResults(image);
      } catch (error) {
        throw new Error(`${name} (${image.channels} channels) differs`, { cause: error });
      }
    }
  });

  it('on random RGBA runs of transparent, half-transparent black, opaque and translucent pixels', () => {
    for (let seed = 1; seed <= 40; seed++) expectSameResults(makeRandomRgba(37 + seed, 29 + (seed % 5), seed));
  });

  it('on odd pixel counts, single rows and columns, and buffers not aligned to 8 or 4 bytes', () => {
    for (const [width, height] of [[1, 1], [1, 9], [9, 1], [3, 3], [35, 33]] as const) {
      const image = makeRandomRgba(width, height, width * 100 + height);
      for (const offset of [0, 1, 4, 5]) expectSameResults(shiftBuffer(image, offset));
    }
  });

  it('on images whose transparent pixels carry ink (transparent white on an opaque black border)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const image = makeRandomRgba(40, 30, seed, 0x00ffffff);
      // An opaque black frame: the backdrop (white) then differs from the background (black).
      for (let x = 0; x < 40; x++) for (const y of [0, 29]) image.data.set([0, 0, 0, 255], (y * 40 + x) * 4);
      for (let y = 0; y < 30; y++) for (const x of [0, 39]) image.data.set([0, 0, 0, 255], (y * 40 + x) * 4);
      expectSameResults(image);
      // The case this is about: a fully transparent pixel flattened onto white, on black.
      const transparent = Array.from({ length: 40 * 30 }, (_, i) => i).find((i) => image.data[i * 4 + 3] === 0)!;
      expect(extractInk(image).ink[transparent]).toBe(255);
    }
  });
});
