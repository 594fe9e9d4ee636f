/**
 * Uploaded image bytes -> the 28x28 input the CNN expects, made the way MNIST was made.
 *
 * Order matters for hostile input: the signature is sniffed first (only PNG, JPEG, WebP, GIF,
 * TIFF reach libvips; never SVG or PDF), then the header alone is read and the pixel count is
 * checked against the limit, and only then is the image decoded, once, to raw pixels. Every
 * step after that runs in TypeScript on that buffer (image-ink.ts, image-fit.ts).
 */
import sharp, { type Metadata } from 'sharp';
import { EmptyImageError, PayloadTooLargeError, UnsupportedImageError } from '../errors.js';
import type { PreprocessLimits, PreprocessedDigit } from './digit.js';
import { findInkBox, fitAndCentre } from './image-fit.js';
import { isAcceptedFormat, sniffImageFormat } from './image-format.js';
import { extractInk, type RawImage } from './image-ink.js';

/** Below this contrast (of 255) between ink and background, the image is blank. */
export const MIN_INK_CONTRAST = 32;
/** Ink below this level never widens the bounding box (codec noise, faint smudges)... */
const MIN_BOX_LEVEL = 8;
/** ...nor ink weaker than this share of the strongest ink (JPEG ringing around strokes). */
const RELATIVE_BOX_LEVEL = 0.1;
/** Ink within this many times the border's noise of the background is background, everywhere. */
const NOISE_FLOOR_FACTOR = 2;

const ACCEPTED_LIST = 'PNG, JPEG, WebP, GIF or TIFF';

/** Header only: format, dimensions, orientation. No pixel is decoded. */
async function readHeader(bytes: Buffer): Promise<Metadata> {
  try {
    // The limit is enforced below from these dimensions, with a message of our own.
    return await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new UnsupportedImageError(`not a readable image: send ${ACCEPTED_LIST}`, { cause: error });
  }
}

async function decodeRaw(bytes: Buffer, header: Metadata, limits: PreprocessLimits): Promise<RawImage> {
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: limits.maxInputPixels,
      failOn: 'warning',
      pages: 1,
      autoOrient: (header.orientation ?? 1) > 1,
    })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels > 4 || data.length !== info.width * info.height * info.channels) {
      // sharp hands 8-bit grey, grey+alpha, RGB or RGBA for every accepted format; anything
      // else (an exotic TIFF layout) is not worth guessing at.
      throw new UnsupportedImageError(`unsupported ${info.channels}-channel ${header.format} layout`);
    }
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    if (error instanceof UnsupportedImageError) throw error;
    if (error instanceof Error && /pixel limit/i.test(error.message)) {
      throw new PayloadTooLargeError('image has too many pixels', { cause: error });
    }
    throw new UnsupportedImageError(`the ${header.format} image could not be decoded (corrupt or truncated)`, {
      cause: error,
    });
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
 * @throws PayloadTooLargeError (413) when width*height exceeds `limits.maxInputPixels`,
 *   decided from the header before decoding
 * @throws EmptyImageError (422) when the image holds no ink (blank, flat colour)
 */
export async function preprocessImage(bytes: Buffer, limits: PreprocessLimits): Promise<PreprocessedDigit> {
  if (sniffImageFormat(bytes) === undefined) {
    throw new UnsupportedImageError(`unsupported image format: send ${ACCEPTED_LIST}`);
  }
  const header = await readHeader(bytes);
  if (!isAcceptedFormat(header.format)) {
    throw new UnsupportedImageError(`unsupported image format ${header.format}: send ${ACCEPTED_LIST}`);
  }
  const pixelCount = header.width * header.height;
  if (pixelCount > limits.maxInputPixels) {
    throw new PayloadTooLargeError(
      `image is ${header.width}x${header.height} pixels; the limit is ${limits.maxInputPixels} pixels`,
    );
  }
  const raw = await decodeRaw(bytes, header, limits);
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
    format: header.format,
    // As displayed: after the EXIF rotation the decode applied.
    sourceWidth: header.autoOrient?.width ?? header.width,
    sourceHeight: header.autoOrient?.height ?? header.height,
  };
}
