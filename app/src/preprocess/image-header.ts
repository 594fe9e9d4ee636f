/**
 * What an image's container says, read in TypeScript before libvips opens it: frame and page
 * counts, and a PNG's size (the canvas upload, so the common case needs no extra libvips call).
 * libvips reads the header of every frame to count pages: for 20,000 four-pixel WebP frames
 * (1.9 MB) that is 1.3 s of a decoder thread, and decoding the first frame 4 s more. Walking
 * the container's blocks costs microseconds and stops as soon as the count passes the limit.
 * Only the block structure is read (no decompression); a damaged container yields the frames
 * counted so far and is left for the decoder to refuse.
 */
import type { AcceptedFormat } from './image-format.js';

/** Skips GIF data sub-blocks (a length byte, that many bytes, until a zero length) from `at`. */
function skipGifSubBlocks(bytes: Buffer, at: number): number {
  let pos = at;
  while (pos < bytes.length) {
    const size = bytes[pos]!;
    pos += 1 + size;
    if (size === 0) break;
  }
  return pos;
}

/** Bytes of a GIF colour table announced by a packed field, 0 when its flag is off. */
function gifColourTableBytes(packed: number): number {
  return packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0;
}

function countGifFrames(bytes: Buffer, stopAfter: number): number {
  if (bytes.length < 13) return 0;
  let pos = 13 + gifColourTableBytes(bytes[10]!);
  let frames = 0;
  while (pos < bytes.length && frames <= stopAfter) {
    const block = bytes[pos]!;
    if (block === 0x2c) {
      // Image descriptor: 10 bytes, an optional local colour table, the LZW code size, data.
      frames += 1;
      if (pos + 10 > bytes.length) break;
      pos = skipGifSubBlocks(bytes, pos + 10 + gifColourTableBytes(bytes[pos + 9]!) + 1);
    } else if (block === 0x21) {
      pos = skipGifSubBlocks(bytes, pos + 2);
    } else {
      break; // the trailer (0x3b), or damage
    }
  }
  return frames;
}

function countWebpFrames(bytes: Buffer, stopAfter: number): number {
  let pos = 12;
  let frames = 0;
  while (pos + 8 <= bytes.length && frames <= stopAfter) {
    if (bytes.toString('latin1', pos, pos + 4) === 'ANMF') frames += 1;
    const size = bytes.readUInt32LE(pos + 4);
    pos += 8 + size + (size & 1);
  }
  return Math.max(1, frames);
}

function countTiffPages(bytes: Buffer, stopAfter: number): number {
  if (bytes.length < 16) return 0;
  const little = bytes[0] === 0x49;
  const big = (little ? bytes.readUInt16LE(2) : bytes.readUInt16BE(2)) === 43;
  const u16 = (at: number): number => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const offset = (at: number): number =>
    big ? Number(little ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at)) : little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
  const [countBytes, entryBytes, offsetBytes] = big ? [8, 20, 8] : [2, 12, 4];
  const seen = new Set<number>();
  let ifd = offset(big ? 8 : 4);
  let pages = 0;
  // A chain that loops back is damage, not a page count.
  while (ifd > 0 && !seen.has(ifd) && ifd + countBytes <= bytes.length && pages <= stopAfter) {
    seen.add(ifd);
    pages += 1;
    const entries = big ? offset(ifd) : u16(ifd);
    const next = ifd + countBytes + entries * entryBytes;
    if (next + offsetBytes > bytes.length) break;
    ifd = offset(next);
  }
  return pages;
}

/**
 * Frames (GIF, WebP) or pages (TIFF) in `bytes`, 1 for PNG and JPEG (libvips reads only their
 * first image). Counting stops once it passes `stopAfter`: any larger result is `stopAfter + 1`.
 */
export function countFrames(bytes: Buffer, format: AcceptedFormat, stopAfter: number): number {
  switch (format) {
    case 'gif':
      return countGifFrames(bytes, stopAfter);
    case 'webp':
      return countWebpFrames(bytes, stopAfter);
    case 'tiff':
      return countTiffPages(bytes, stopAfter);
    default:
      return 1;
  }
}

/** A PNG's width and height from its IHDR, which libpng requires to be the first chunk. */
export function readPngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
