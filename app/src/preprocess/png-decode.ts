/**
 * PNG decoding in TypeScript for the PNGs a browser canvas (and most tools) write: 8-bit grey,
 * grey+alpha, RGB or RGBA, not interlaced, no colour profile, transparency or orientation. For
 * a 280x280 canvas PNG, zlib's inflate plus the unfilter loop below cost ~0.25 ms of CPU, where
 * the same decode through sharp cost ~1.3 ms (libvips' thread hand-offs and a ~200-field
 * options object read per call). Anything else (palettes, 16-bit, interlaced, ICC profiles,
 * EXIF, animation, chunks we do not know, any malformed byte) yields undefined and goes to
 * sharp, which also decides what is wrong with a bad file: this path never rejects an image.
 */
import zlib from 'node:zlib';
import type { RawImage } from './image-ink.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Channels per colour type we decode: grey, RGB, grey+alpha, RGBA (not 3: palette). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 4: 2, 6: 4 };
/**
 * Ancillary chunks libvips' PNG loader does not apply to the pixels (text, time, resolution,
 * gamma and chromaticity hints, background colour): decoding without them gives sharp's output
 * (png-decode.test.ts checks each). tRNS, iCCP and eXIf change the pixels: those go to sharp.
 */
const IGNORED_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt', 'tIME', 'pHYs', 'sRGB', 'gAMA', 'cHRM', 'bKGD']);
/**
 * Sizes this path takes: it has no time budget of its own, so it only takes images it finishes
 * far within the smallest DECODE_TIMEOUT_MS (1 s): a 2048x2048 RGBA PNG of noise took ~70 ms to
 * preprocess. Larger (or absurdly tall or wide) images, within raised limits, go to libvips,
 * which stops at the budget.
 */
export const PLAIN_PNG_MAX_PIXELS = 2048 * 2048;
export const PLAIN_PNG_MAX_SIDE = 4096;

interface Header {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

function readHeader(bytes: Uint8Array, view: DataView, offset: number): Header | undefined {
  if (view.getUint32(offset) !== 13 || readType(bytes, offset) !== 'IHDR') return undefined;
  const data = offset + 8;
  const [bitDepth, colourType, compression, filter, interlace] = bytes.subarray(data + 8, data + 13);
  const channels = CHANNELS[colourType!];
  if (bitDepth !== 8 || channels === undefined || compression !== 0 || filter !== 0 || interlace !== 0) return undefined;
  return { width: view.getUint32(data), height: view.getUint32(data + 4), channels };
}

function readType(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!, bytes[offset + 6]!, bytes[offset + 7]!);
}

/** The concatenated IDAT payloads, or undefined when a chunk is malformed or not one we may skip. */
function collectImageData(bytes: Uint8Array, view: DataView, start: number): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  let offset = start;
  let previous = 'IHDR';
  let ended = false;
  while (!ended) {
    if (offset + 12 > bytes.length) return undefined;
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) return undefined;
    const crc = view.getUint32(end - 4);
    if (zlib.crc32(bytes.subarray(offset + 4, end - 4)) >>> 0 !== crc) return undefined;
    const type = readType(bytes, offset);
    if (type === 'IDAT') {
      // IDAT chunks must be consecutive: one after anything else is a malformed file.
      if (parts.length > 0 && previous !== 'IDAT') return undefined;
      parts.push(bytes.subarray(offset + 8, end - 4));
    } else if (type === 'IEND') ended = true;
    else if (!IGNORED_CHUNKS.has(type)) return undefined;
    previous = type;
    offset = end;
  }
  if (offset !== bytes.length || parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * Reverses PNG's per-row filters (none, sub, up, average, Paeth) from `filtered` (each row
 * prefixed by its filter byte) into `out`, which may be `filtered` itself: row y is written
 * y + 1 bytes before where it is read from, so nothing is overwritten before it is read. One
 * loop per filter type: a per-byte switch costs several times more at canvas size.
 */
export function unfilterRows(filtered: Uint8Array, width: number, height: number, bpp: number, out: Uint8Array): boolean {
  const stride = width * bpp;
  for (let y = 0; y < height; y++) {
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const up = row - stride;
    switch (filtered[src - 1]) {
      case 0:
        out.set(filtered.subarray(src, src + stride), row);
        break;
      case 1:
        for (let x = 0; x < bpp; x++) out[row + x] = filtered[src + x]!;
        for (let x = bpp; x < stride; x++) out[row + x] = (filtered[src + x]! + out[row + x - bpp]!) & 0xff;
        break;
      case 2:
        if (y === 0) out.set(filtered.subarray(src, src + stride), row);
        else for (let x = 0; x < stride; x++) out[row + x] = (filtered[src + x]! + out[up + x]!) & 0xff;
        break;
      case 3:
        for (let x = 0; x < stride; x++) {
          const left = x >= bpp ? out[row + x - bpp]! : 0;
          const above = y > 0 ? out[up + x]! : 0;
          out[row + x] = (filtered[src + x]! + ((left + above) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let x = 0; x < stride; x++) {
          const a = x >= bpp ? out[row + x - bpp]! : 0;
          const b = y > 0 ? out[up + x]! : 0;
          const c = x >= bpp && y > 0 ? out[up + x - bpp]! : 0;
          const p = a + b - c;
          const pa = p > a ? p - a : a - p;
          const pb = p > b ? p - b : b - p;
          const pc = p > c ? p - c : c - p;
          out[row + x] = (filtered[src + x]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * The decoded pixels (8 bits per channel, interleaved, row-major: what sharp's `raw()` gives)
 * of a plain PNG within `maxInputPixels`, or undefined for sharp to handle.
 */
export function decodePlainPng(bytes: Uint8Array, maxInputPixels: number): RawImage | undefined {
  if (bytes.length < 8 + 25 + 12 || SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = readHeader(bytes, view, 8);
  if (header === undefined || header.width === 0 || header.height === 0 || header.width * header.height > Math.min(maxInputPixels, PLAIN_PNG_MAX_PIXELS)) return undefined;
  if (header.width > PLAIN_PNG_MAX_SIDE || header.height > PLAIN_PNG_MAX_SIDE) return undefined;
  const compressed = collectImageData(bytes, view, 8 + 25);
  if (compressed === undefined) return undefined;
  const { width, height, channels } = header;
  const expected = height * (width * channels + 1);
  let filtered: Buffer;
  try {
    // Bounded: a stream that inflates to more than the header's size (a zip bomb) stops here.
    // One output chunk of the expected size: zlib's default 16 KiB chunks are joined by a copy.
    filtered = zlib.inflateSync(compressed, { maxOutputLength: expected + 1, chunkSize: Math.max(64, expected + 1) });
  } catch {
    return undefined;
  }
  if (filtered.length !== expected) return undefined;
  // In place: the inflated buffer becomes the pixels (no second 300 KB buffer per canvas).
  if (!unfilterRows(filtered, width, height, channels, filtered)) return undefined;
  return { data: filtered.subarray(0, width * height * channels), width, height, channels };
}
