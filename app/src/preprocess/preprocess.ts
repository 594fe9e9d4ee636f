/**
 * Uploaded image bytes -> the 28x28 input the CNN expects, made the way MNIST was made.
 *
 * Order matters for hostile input: the signature is sniffed first (only PNG, JPEG, WebP, GIF,
 * TIFF reach libvips; never SVG or PDF), then libvips reads the header and sharp checks the
 * pixel count against the limit, and only then is the image decoded, once, to raw pixels (a
 * plain PNG in TypeScript, png-decode.ts; anything else in one sharp call: see decodeRaw).
 * Every step after that runs in TypeScript on that buffer (image-ink.ts, image-fit.ts).
 */
import sharp from 'sharp';
import { EmptyImageError, PayloadTooLargeError, UnsupportedImageError } from '../errors.js';
import type { DigitPixels } from '../mnist/geometry.js';
import { findInkBox, fitAndCentre } from './image-fit.js';
import { sniffImageFormat, type AcceptedFormat } from './image-format.js';
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

/** Limits against hostile input, checked before decoding. */
export interface PreprocessLimits {
  /** Largest width*height accepted; larger images are refused (413) before any decode. */
  readonly maxInputPixels: number;
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

/**
 * The header's dimensions, for the 413 message only: read again after sharp refused the image,
 * so the accepted path pays for one sharp call, not two.
 */
async function describeDimensions(bytes: Buffer): Promise<string> {
  const header = await sharp(bytes, { limitInputPixels: false }).metadata().catch(() => undefined);
  return header === undefined ? 'too large' : `${header.width}x${header.height} pixels`;
}

/**
 * One sharp call: libvips reads the header, sharp compares width*height with the limit (before
 * any pixel is decoded: libvips decodes lazily, and the check is made on the opened image),
 * then the first frame is decoded, turned upright from its EXIF orientation, to raw pixels.
 */
async function decodeRaw(bytes: Buffer, format: AcceptedFormat, limits: PreprocessLimits): Promise<RawImage> {
  // The common case, a plain 8-bit PNG such as a canvas drawing, without sharp (png-decode.ts).
  const plain = format === 'png' ? decodePlainPng(bytes, limits.maxInputPixels) : undefined;
  if (plain !== undefined) return plain;
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxInputPixels, failOn: 'warning', pages: 1, autoOrient: true })
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
    if (error instanceof Error && PIXEL_LIMIT_ERROR.test(error.message)) {
      throw new PayloadTooLargeError(`image is ${await describeDimensions(bytes)}; the limit is ${limits.maxInputPixels} pixels`, { cause: error });
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
 * @throws PayloadTooLargeError (413) when width*height exceeds `limits.maxInputPixels`,
 *   decided from the header before decoding
 * @throws EmptyImageError (422) when the image holds no ink (blank, flat colour)
 */
export async function preprocessImage(bytes: Buffer, limits: PreprocessLimits): Promise<PreprocessedDigit> {
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new UnsupportedImageError(`unsupported image format: send ${ACCEPTED_LIST}`);
  }
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
