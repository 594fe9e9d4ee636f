/**
 * Uploaded image bytes -> the 28x28 input the CNN expects, made the way MNIST was made.
 *
 * Order matters for hostile input. The signature is sniffed first (only PNG, JPEG, WebP, GIF,
 * TIFF reach libvips; never SVG or PDF); the container's frames are counted and a PNG's size is
 * read in TypeScript (image-header.ts); other formats' sizes come from libvips reading the
 * header only. Width, height, pixels and frames are checked against the limits there, before
 * any pixel is decoded. Then the first frame is decoded, once, to raw pixels: a plain PNG in
 * TypeScript (png-decode.ts), anything else by libvips, with its own pixel limit as a second
 * line and a time budget after which it stops (see decodeRaw). Every step after that runs in
 * TypeScript on that buffer (image-ink.ts, image-fit.ts), work bounded by the pixel limit.
 */
import sharp from 'sharp';
import { EmptyImageError, PayloadTooLargeError, UnsupportedImageError } from '../errors.js';
import type { DigitPixels } from '../mnist/geometry.js';
import { findInkBox, fitAndCentre } from './image-fit.js';
import { sniffImageFormat, type AcceptedFormat } from './image-format.js';
import { countFrames, readPngSize } from './image-header.js';
import { extractInk, type RawImage } from './image-ink.js';
import { decodePlainPng } from './png-decode.js';

/** What preprocessing hands to the classifier, and what the page shows as "what the model saw". */
export interface PreprocessedDigit {
  /** Model input: 784 floats, ink 1.0 on background 0.0. */
  readonly pixels: DigitPixels;
  /** The same 28x28 image as bytes 0..255 (stored with the prediction, shown on the page). */
  readonly input: Uint8Array;
  /** True when the source had light ink on a dark background (already MNIST polarity). */
  readonly lightInkOnDark: boolean;
  /** Source format as sharp reports it: png, jpeg, webp, gif, tiff. */
  readonly format: string;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

/** Limits against hostile input; all but the time budget are checked before decoding. */
export interface PreprocessLimits {
  /** Largest width*height accepted; larger images are refused (413) before any decode. */
  readonly maxInputPixels: number;
  /** Largest width, and largest height: a 1x16777216 PNG is within most pixel limits, and takes libvips 20 s. */
  readonly maxImageSidePx: number;
  /** Most frames (GIF, WebP) or pages (TIFF) in a file; only the first is decoded. */
  readonly maxImageFrames: number;
  /** Budget of the decode; libvips checks it as it goes, in whole seconds (rounded up). */
  readonly decodeTimeoutMs: number;
}

/** Below this contrast (of 255) between ink and background, the image is blank. */
export const MIN_INK_CONTRAST = 32;
/** Ink below this level never widens the bounding box (codec noise, faint smudges)... */
const MIN_BOX_LEVEL = 8;
/** ...nor ink weaker than this share of the strongest ink (JPEG ringing around strokes). */
const RELATIVE_BOX_LEVEL = 0.1;
/** Ink within this many times the border's noise of the background is background, everywhere. */
const NOISE_FLOOR_FACTOR = 2;

const ACCEPTED_LIST = 'PNG, JPEG, WebP, GIF or TIFF';

/** Matches the error sharp raises when the header's width*height exceeds `limitInputPixels`. */
const PIXEL_LIMIT_ERROR = /exceeds pixel limit/i;
/** ...and when the pipeline ran past `timeout()`. */
const TIMEOUT_ERROR = /^timeout/i;

/** Width and height from the header: read in TypeScript for PNG, by libvips (header only) otherwise. */
async function readSize(bytes: Buffer, format: AcceptedFormat): Promise<{ width: number; height: number }> {
  const fromPng = format === 'png' ? readPngSize(bytes) : undefined;
  if (fromPng !== undefined) return fromPng;
  try {
    const { width, height } = await sharp(bytes, { limitInputPixels: false }).metadata();
    return { width, height };
  } catch (error) {
    throw new UnsupportedImageError(`the ${format} image could not be read (corrupt or truncated)`, { cause: error });
  }
}

/** Refuses (413) what the header says is too big to decode: sides, pixels, frames. */
async function checkHeader(bytes: Buffer, format: AcceptedFormat, limits: PreprocessLimits): Promise<void> {
  const frames = countFrames(bytes, format, limits.maxImageFrames);
  if (frames > limits.maxImageFrames) {
    throw new PayloadTooLargeError(`the ${format} image has more than ${limits.maxImageFrames} frames`);
  }
  const { width, height } = await readSize(bytes, format);
  if (width > limits.maxImageSidePx || height > limits.maxImageSidePx) {
    throw new PayloadTooLargeError(`image is ${width}x${height} pixels; the limit is ${limits.maxImageSidePx} pixels a side`);
  }
  if (width * height > limits.maxInputPixels) {
    throw new PayloadTooLargeError(`image is ${width}x${height} pixels; the limit is ${limits.maxInputPixels} pixels`);
  }
}

/**
 * A plain PNG (a canvas drawing) in TypeScript: inflate and unfilter, bounded by the size the
 * header was checked for. Anything else in one sharp call: libvips opens the header again
 * (sharp compares width*height with the limit before any pixel is decoded), then the first
 * frame is decoded, turned upright from its EXIF orientation, to raw pixels; libvips abandons
 * the work once the time budget is spent.
 */
async function decodeRaw(bytes: Buffer, format: AcceptedFormat, limits: PreprocessLimits): Promise<RawImage> {
  // The common case, a plain 8-bit PNG such as a canvas drawing, without sharp (png-decode.ts).
  const plain = format === 'png' ? decodePlainPng(bytes, limits.maxInputPixels) : undefined;
  if (plain !== undefined) return plain;
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxInputPixels, failOn: 'warning', pages: 1, autoOrient: true })
      .timeout({ seconds: Math.ceil(limits.decodeTimeoutMs / 1000) })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels > 4 || data.length !== info.width * info.height * info.channels) {
      // sharp hands 8-bit grey, grey+alpha, RGB or RGBA for every accepted format; anything
      // else (an exotic TIFF layout) is not worth guessing at.
      throw new UnsupportedImageError(`unsupported ${info.channels}-channel ${format} layout`);
    }
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    if (error instanceof UnsupportedImageError) throw error;
    const message = error instanceof Error ? error.message : '';
    if (PIXEL_LIMIT_ERROR.test(message)) {
      throw new PayloadTooLargeError(`the image is over the limit of ${limits.maxInputPixels} pixels`, { cause: error });
    }
    if (TIMEOUT_ERROR.test(message)) {
      throw new PayloadTooLargeError(`the ${format} image took longer than ${limits.decodeTimeoutMs} ms to decode`, { cause: error });
    }
    throw new UnsupportedImageError(`the ${format} image could not be decoded (corrupt or truncated)`, { cause: error });
  }
}

/**
 * Two levels: below `noiseFloor` a pixel is background (zeroed); the bounding box only counts
 * pixels above `boxLevel`, higher, so that JPEG ringing next to strokes does not widen the box
 * while the faint antialiased edges inside it are kept (MNIST's own edges round-trip intact).
 */
function chooseInkLevels(maxInk: number, noiseLevel: number): { noiseFloor: number; boxLevel: number } {
  const noiseFloor = NOISE_FLOOR_FACTOR * noiseLevel + 1;
  return { noiseFloor, boxLevel: Math.max(noiseFloor, MIN_BOX_LEVEL, RELATIVE_BOX_LEVEL * maxInk) };
}

/**
 * Turns image bytes into a centred 28x28 digit (white ink on black, as MNIST).
 *
 * @throws UnsupportedImageError (415) for anything but a decodable PNG, JPEG, WebP, GIF or TIFF
 * @throws PayloadTooLargeError (413) when a side, width*height or the frame count exceeds
 *   `limits`, decided from the header before decoding; or when decoding runs out of time
 * @throws EmptyImageError (422) when the image holds no ink (blank, flat colour)
 */
export async function preprocessImage(bytes: Buffer, limits: PreprocessLimits): Promise<PreprocessedDigit> {
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new UnsupportedImageError(`unsupported image format: send ${ACCEPTED_LIST}`);
  }
  await checkHeader(bytes, format, limits);
  const raw = await decodeRaw(bytes, format, limits);
  const map = extractInk(raw);
  if (map.maxInk < MIN_INK_CONTRAST) throw new EmptyImageError('the image has no ink: draw a digit');
  const { noiseFloor, boxLevel } = chooseInkLevels(map.maxInk, map.noiseLevel);
  const box = findInkBox(map, boxLevel);
  if (box === undefined) throw new EmptyImageError('the image has no ink: draw a digit');
  const fitted = fitAndCentre(map, box, noiseFloor);

  const input = new Uint8Array(fitted.length);
  const pixels = new Float32Array(fitted.length);
  for (let i = 0; i < fitted.length; i++) {
    // Quantised like MNIST's bytes, so the stored `input` reproduces the model input exactly.
    const level = Math.round(Math.min(1, Math.max(0, fitted[i])) * 255);
    input[i] = level;
    pixels[i] = level / 255;
  }
  return {
    pixels,
    input,
    lightInkOnDark: map.lightInkOnDark,
    format,
    // As displayed: after the EXIF rotation the decode applied.
    sourceWidth: raw.width,
    sourceHeight: raw.height,
  };
}

/**
 * libvips settings for the whole process, set once by the service's composition root: no
 * operation cache (it keeps up to 50 MB of recent results for repeated operations on the same
 * input, which uploads never are) and one libvips thread per image (the images are small;
 * concurrency comes from the decode limiter, which bounds how many run at once).
 */
export function configureDecoder(): void {
  sharp.cache(false);
  sharp.concurrency(1);
}
