import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { drawDigitPng } from '../../test/fixtures/draw-digit.js';
import { craftBlackPng, craftPngClaimingSize } from '../../test/fixtures/crafted-png.js';
import { extractInk, type RawImage } from './image-ink.js';
import { decodePlainPng, PLAIN_PNG_MAX_SIDE } from './png-decode.js';

/**
 * The TypeScript PNG path must give exactly sharp's raw pixels (and so the same ink map) for
 * every PNG it takes, and hand everything else (undefined) to sharp. PNGs come from sharp's encoder (what tools write)
 * and from a small encoder here that picks each row's filter and adds chunks, so every filter
 * type and every chunk rule is exercised.
 */

const LIMIT = 4096 * 4096;
const CHANNELS_OF_TYPE: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(zlib.crc32(body) >>> 0, 8 + data.length);
  return out;
}

/** Applies PNG filter `filter` (0-4) to one row, given the previous raw row (or zeros). */
function filterRow(row: Uint8Array, previous: Uint8Array, bpp: number, filter: number): Uint8Array {
  const out = new Uint8Array(row.length);
  for (let x = 0; x < row.length; x++) {
    const a = x >= bpp ? row[x - bpp]! : 0;
    const b = previous[x]!;
    const c = x >= bpp ? previous[x - bpp]! : 0;
    const p = a + b - c;
    const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
    // A filter type PNG does not have (5+) leaves the bytes as they are.
    const predictor = [0, a, b, (a + b) >> 1, paeth][filter] ?? 0;
    out[x] = (row[x]! - predictor) & 0xff;
  }
  return out;
}

interface EncodeOptions {
  /** Filter type of row y. @default y % 5 (every type, in turn) */
  readonly filterOf?: (y: number) => number;
  /** Extra chunks, written between IHDR and IDAT. */
  readonly chunks?: readonly Buffer[];
  /** IDAT split into this many chunks. @default 1 */
  readonly idatParts?: number;
  readonly bitDepth?: number;
  readonly interlace?: number;
}

function encodePng(pixels: Uint8Array, width: number, height: number, colourType: number, options: EncodeOptions = {}): Buffer {
  const bpp = CHANNELS_OF_TYPE[colourType]!;
  const stride = width * bpp;
  const rows: Uint8Array[] = [];
  for (let y = 0; y < height; y++) {
    const filter = options.filterOf?.(y) ?? y % 5;
    const previous = y === 0 ? new Uint8Array(stride) : pixels.subarray((y - 1) * stride, y * stride);
    rows.push(Uint8Array.of(filter), filterRow(pixels.subarray(y * stride, (y + 1) * stride), previous, bpp, filter));
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = options.bitDepth ?? 8;
  header[9] = colourType;
  header[12] = options.interlace ?? 0;
  const compressed = zlib.deflateSync(Buffer.concat(rows));
  const parts = options.idatParts ?? 1;
  const size = Math.ceil(compressed.length / parts);
  const idat = Array.from({ length: parts }, (_, i) => chunk('IDAT', compressed.subarray(i * size, (i + 1) * size)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), ...(options.chunks ?? []), ...idat, chunk('IEND', new Uint8Array(0))]);
}

function randomPixels(length: number, seed: number): Uint8Array {
  let state = seed;
  return Uint8Array.from({ length }, () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24));
}

/** sharp's raw output of a grey PNG: the grey level in each of R, G and B (alpha kept). */
function greyAsSharpGivesIt(image: RawImage): Buffer {
  const colour = image.channels === 1 ? 3 : 4;
  const out = Buffer.alloc(image.width * image.height * colour);
  for (let i = 0; i < image.width * image.height; i++) {
    out.fill(image.data[i * image.channels]!, i * colour, i * colour + 3);
    if (image.channels === 2) out[i * colour + 3] = image.data[i * 2 + 1]!;
  }
  return out;
}

/**
 * The same pixels as sharp's raw(). sharp turns grey into sRGB (the grey in R, G and B); this
 * path keeps one channel (less to scan), which the ink pass reads as the same grey levels.
 */
async function expectSameAsSharp(png: Buffer): Promise<void> {
  const decoded = decodePlainPng(png, LIMIT);
  expect(decoded, 'the TypeScript path took this PNG').toBeDefined();
  const image = decoded!;
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  expect({ width: image.width, height: image.height }).toEqual({ width: info.width, height: info.height });
  const grey = image.channels <= 2;
  expect(info.channels).toBe(grey ? image.channels + 2 : image.channels);
  expect(Buffer.compare(grey ? greyAsSharpGivesIt(image) : Buffer.from(image.data), data)).toBe(0);
  const ours = extractInk(image);
  const theirs = extractInk({ data, width: info.width, height: info.height, channels: info.channels });
  // Field by field: toEqual on 78,400-element arrays takes seconds.
  expect([ours.maxInk, ours.noiseLevel, ours.lightInkOnDark]).toEqual([theirs.maxInk, theirs.noiseLevel, theirs.lightInkOnDark]);
  for (const key of ['ink', 'rowMax', 'columnMax'] as const) expect(Buffer.compare(ours[key], theirs[key]), key).toBe(0);
}

describe('decoding plain PNGs in TypeScript', () => {
  it('gives sharp\'s pixels for drawn canvas digits, in colour and size variants', async () => {
    for (let digit = 0; digit < 10; digit++) await expectSameAsSharp(await drawDigitPng(digit));
    await expectSameAsSharp(await drawDigitPng(7, { sizePx: 123, ink: { r: 200, g: 30, b: 90 } }));
    await expectSameAsSharp(await drawDigitPng(2, { background: { r: 250, g: 250, b: 240 } }));
  });

  it('gives sharp\'s pixels for every colour type sharp writes, with its adaptive filters', async () => {
    const rgba = randomPixels(37 * 23 * 4, 7);
    const base = sharp(rgba, { raw: { width: 37, height: 23, channels: 4 } });
    await expectSameAsSharp(await base.clone().png({ adaptiveFiltering: true }).toBuffer());
    await expectSameAsSharp(await base.clone().removeAlpha().png({ adaptiveFiltering: true }).toBuffer());
    await expectSameAsSharp(await base.clone().toColourspace('b-w').png().toBuffer());
    await expectSameAsSharp(await base.clone().removeAlpha().toColourspace('b-w').png().toBuffer());
  });

  it('reverses all five row filters in every colour type, across split IDAT chunks', async () => {
    for (const colourType of [0, 2, 4, 6]) {
      const pixels = randomPixels(19 * 11 * CHANNELS_OF_TYPE[colourType]!, colourType + 1);
      const png = encodePng(pixels, 19, 11, colourType, { idatParts: 3 });
      expect(Buffer.compare(Buffer.from(decodePlainPng(png, LIMIT)!.data), pixels)).toBe(0);
      await expectSameAsSharp(png);
    }
  });

  it('skips the chunks that do not change the pixels, as sharp does', async () => {
    const pixels = randomPixels(9 * 5 * 4, 3);
    for (const [type, data] of [['tEXt', Buffer.from('Software\0canvas')], ['pHYs', Buffer.alloc(9)], ['sRGB', Buffer.from([0])],
      ['gAMA', Buffer.from([0, 0, 0xb1, 0x8f])], ['cHRM', Buffer.alloc(32, 1)], ['bKGD', Buffer.from([0, 255, 0, 0, 0, 0])], ['tIME', Buffer.alloc(7, 1)]] as const) {
      await expectSameAsSharp(encodePng(pixels, 9, 5, 6, { chunks: [chunk(type, data)] }));
    }
  });

  it('leaves to sharp what it does not decode itself', async () => {
    const rgba = randomPixels(16 * 16 * 4, 9);
    const base = sharp(rgba, { raw: { width: 16, height: 16, channels: 4 } });
    const others = {
      palette: await base.clone().png({ palette: true }).toBuffer(),
      interlaced: await base.clone().png({ progressive: true }).toBuffer(),
      '16-bit': await base.clone().toColourspace('rgb16').png().toBuffer(),
      'ICC profile': await base.clone().withIccProfile('srgb').png().toBuffer(),
      'EXIF orientation': await base.clone().withMetadata({ orientation: 6 }).png().toBuffer(),
      transparency: encodePng(rgba.subarray(0, 16 * 16 * 3), 16, 16, 2, { chunks: [chunk('tRNS', Buffer.alloc(6))] }),
      'unknown chunk': encodePng(rgba, 16, 16, 6, { chunks: [chunk('vpAg', Buffer.alloc(9))] }),
    };
    for (const [what, png] of Object.entries(others)) expect(decodePlainPng(png, LIMIT), what).toBeUndefined();
  });

  it('leaves every malformed or oversized file to sharp, which names what is wrong', () => {
    const good = encodePng(randomPixels(8 * 8 * 4, 5), 8, 8, 6);
    const badCrc = Buffer.from(good);
    badCrc[40] = badCrc[40]! ^ 0xff;
    const bomb = Buffer.concat([good.subarray(0, 33), chunk('IDAT', zlib.deflateSync(Buffer.alloc(1_000_000))), chunk('IEND', new Uint8Array(0))]);
    const malformed = {
      'a flipped byte (CRC mismatch)': badCrc,
      truncated: good.subarray(0, good.length - 20),
      'trailing bytes': Buffer.concat([good, Buffer.from('junk')]),
      'more data than the header says (zip bomb)': bomb,
      'a filter type PNG does not have': encodePng(randomPixels(4 * 4 * 4, 1), 4, 4, 6, { filterOf: (y) => (y === 2 ? 5 : 0) }),
      'a header claiming more pixels than allowed': craftPngClaimingSize(5000, 5000),
    };
    for (const [what, png] of Object.entries(malformed)) expect(decodePlainPng(png, LIMIT), what).toBeUndefined();
    expect(decodePlainPng(good, 63)).toBeUndefined();
    expect(decodePlainPng(good, 64)).toBeDefined();
  });

  it('leaves to sharp, and its time budget, images larger or longer than it is sure to finish quickly', () => {
    const any = Number.MAX_SAFE_INTEGER;
    expect(decodePlainPng(craftBlackPng(1, PLAIN_PNG_MAX_SIDE), any)).toBeDefined();
    expect(decodePlainPng(craftBlackPng(1, PLAIN_PNG_MAX_SIDE + 1), any)).toBeUndefined();
    expect(decodePlainPng(craftBlackPng(2048, 2048), any)).toBeDefined();
    expect(decodePlainPng(craftBlackPng(2049, 2048), any)).toBeUndefined();
  });
});
