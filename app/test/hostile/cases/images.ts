/**
 * Image formats and bombs, sent as raw image/png bodies (the content type is the client's
 * claim; the bytes decide): formats the service does not decode, damaged files, and images
 * built to cost far more to decode than their size: pixel, side, frame and metadata bombs.
 */
import sharp from 'sharp';
import { craftBlackPng, craftPngClaimingSize } from '../../fixtures/crafted-png.js';
import { drawDigitPng } from '../../fixtures/draw-digit.js';
import {
  animatedImage,
  gifClaimingSize,
  jpegClaimingSize,
  jpegWithBulkyMetadata,
  pngWithInflatingChunk,
  pngWithManyTextChunks,
  tiffClaimingSize,
  webpClaimingSize,
} from '../../fixtures/image-bombs.js';
import { postRaw, type Answer, type HostileCase } from '../support/http-bytes.js';

const UNSUPPORTED: Answer = [415, 'unsupported_image'];
const TOO_LARGE: Answer = [413, 'payload_too_large'];
const NO_INK: Answer = [422, 'no_ink'];
const CREATED: Answer = [201, null];

const asPng = (bytes: Buffer): Buffer => postRaw('image/png', bytes);
const digitIn = (format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff'): Promise<Buffer> =>
  drawDigitPng(5, { background: { r: 255, g: 255, b: 255 } }).then((png) => sharp(png).toFormat(format).toBuffer());
const truncated = async (format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff'): Promise<Buffer> => {
  const whole = await digitIn(format);
  return asPng(whole.subarray(0, Math.floor(whole.length / 2)));
};
/** `signature` followed by a kilobyte of noise: a header claiming a format, and nothing behind it. */
const signed = (signature: string): Buffer => asPng(Buffer.concat([Buffer.from(signature, 'latin1'), Buffer.alloc(1024, 0xa5)]));

export const FORMAT_CASES: readonly HostileCase[] = [
  ...(['png', 'jpeg', 'webp', 'gif', 'tiff'] as const).map((format): HostileCase => ({ name: `a drawn digit as ${format}`, send: async () => asPng(await digitIn(format)), answers: [CREATED] })),
  ...(['png', 'jpeg', 'webp', 'gif', 'tiff'] as const).map((format): HostileCase => ({ name: `a ${format} cut in half`, send: () => truncated(format), answers: [UNSUPPORTED] })),
  { name: 'a BMP', send: () => signed('BM'), answers: [UNSUPPORTED] },
  { name: 'an ICO', send: () => signed('\0\0\x01\0'), answers: [UNSUPPORTED] },
  { name: 'a Photoshop file', send: () => signed('8BPS'), answers: [UNSUPPORTED] },
  { name: 'a JPEG 2000', send: () => signed('\0\0\0\x0cjP  \r\n\x87\n'), answers: [UNSUPPORTED] },
  { name: 'an AVIF', send: async () => asPng(await sharp(await drawDigitPng(1)).avif().toBuffer()), answers: [UNSUPPORTED] },
  { name: 'a PDF', send: () => signed('%PDF-1.7\n'), answers: [UNSUPPORTED] },
  { name: 'an SVG disguised as a PNG', send: () => asPng(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')), answers: [UNSUPPORTED] },
  { name: 'a PNG signature followed by noise', send: () => signed('\x89PNG\r\n\x1a\n'), answers: [UNSUPPORTED] },
  { name: 'a GIF signature followed by noise', send: () => signed('GIF89a'), answers: [UNSUPPORTED] },
  { name: 'a PNG whose header claims 0x0 pixels', send: () => asPng(craftPngClaimingSize(0, 0)), answers: [UNSUPPORTED] },
  { name: 'a 1x1 PNG', send: () => asPng(craftBlackPng(1, 1)), answers: [NO_INK] },
];

export const BOMB_CASES: readonly HostileCase[] = [
  { name: 'a 70-byte PNG claiming 100000x100000 pixels', send: () => asPng(craftPngClaimingSize(100_000, 100_000)), answers: [TOO_LARGE] },
  { name: 'a real 16 KB PNG of 16777216x1 pixels (wide)', send: () => asPng(craftBlackPng(16_777_216, 1)), answers: [TOO_LARGE] },
  { name: 'a real 32 KB PNG of 1x16777216 pixels (tall)', send: () => asPng(craftBlackPng(1, 16_777_216)), answers: [TOO_LARGE] },
  { name: 'a PNG one pixel taller than the side limit', send: () => asPng(craftBlackPng(1, 2049)), answers: [TOO_LARGE] },
  { name: 'a PNG one row over the pixel limit', send: () => asPng(craftBlackPng(1024, 1025)), answers: [TOO_LARGE] },
  { name: 'a JPEG claiming 65500x65500', send: async () => asPng(await jpegClaimingSize(65_500, 65_500)), answers: [TOO_LARGE] },
  { name: 'a WebP claiming 16383x16383', send: async () => asPng(await webpClaimingSize(16_383, 16_383)), answers: [TOO_LARGE] },
  { name: 'a GIF claiming 65535x65535', send: async () => asPng(await gifClaimingSize(65_535, 65_535)), answers: [TOO_LARGE] },
  { name: 'a TIFF claiming 100000x100000', send: async () => asPng(await tiffClaimingSize(100_000, 100_000)), answers: [TOO_LARGE] },
  { name: 'a GIF of 5000 frames', send: async () => asPng(await animatedImage('gif', 5000)), answers: [TOO_LARGE] },
  { name: 'a WebP of 5000 frames', send: async () => asPng(await animatedImage('webp', 5000)), answers: [TOO_LARGE] },
  { name: 'a TIFF of 500 pages', send: async () => asPng(await animatedImage('tiff', 500)), answers: [TOO_LARGE] },
  { name: 'a PNG whose zTXt inflates to 256 MiB', send: () => asPng(pngWithInflatingChunk('zTXt')), answers: [NO_INK] },
  { name: 'a PNG whose iCCP profile inflates to 256 MiB', send: () => asPng(pngWithInflatingChunk('iCCP')), answers: [NO_INK] },
  { name: 'a PNG whose iTXt inflates to 256 MiB', send: () => asPng(pngWithInflatingChunk('iTXt')), answers: [NO_INK] },
  { name: 'a PNG with 20000 text chunks', send: () => asPng(pngWithManyTextChunks(20_000)), answers: [NO_INK] },
  { name: 'a JPEG with 4 MB of APP1 metadata', send: async () => asPng(await jpegWithBulkyMetadata(64)), answers: [NO_INK] },
  { name: 'a real black PNG at the pixel limit (1024x1024)', send: () => asPng(craftBlackPng(1024, 1024)), answers: [NO_INK] },
  { name: 'a real black PNG at the side limit (2048x512)', send: () => asPng(craftBlackPng(2048, 512)), answers: [NO_INK] },
  { name: 'a drawn digit at the pixel limit (1024x1024)', send: async () => asPng(await drawDigitPng(2, { sizePx: 1024, strokeWidthPx: 60 })), answers: [CREATED] },
];
