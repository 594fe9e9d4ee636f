/**
 * Which image formats the service accepts, decided from the file's first bytes before libvips
 * sees it. libvips can also load SVG (librsvg, which may fetch external resources), PDF, HEIF,
 * JPEG 2000, FITS, Radiance, raw camera files and more; none of those loaders is exposed to
 * uploads. Sniffing our own short list is cheaper and stricter than asking sharp what it found.
 */

/** Formats we decode, named as sharp's `metadata().format` names them. */
export const ACCEPTED_FORMATS = ['png', 'jpeg', 'webp', 'gif', 'tiff'] as const;
export type AcceptedFormat = (typeof ACCEPTED_FORMATS)[number];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, expected: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + expected.length) return false;
  return expected.every((value, i) => bytes[offset + i] === value);
}

function startsWithAscii(bytes: Uint8Array, text: string, offset = 0): boolean {
  return startsWith(bytes, [...text].map((c) => c.charCodeAt(0)), offset);
}

/**
 * The accepted format whose signature `bytes` start with, or undefined (SVG, PDF, HTML, random
 * bytes, empty input...). A matching signature says nothing about the rest of the file:
 * the decoder still has to succeed.
 */
export function sniffImageFormat(bytes: Uint8Array): AcceptedFormat | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWithAscii(bytes, 'GIF87a') || startsWithAscii(bytes, 'GIF89a')) return 'gif';
  if (startsWithAscii(bytes, 'RIFF') && startsWithAscii(bytes, 'WEBP', 8)) return 'webp';
  // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  return undefined;
}

/** Whether a sharp format name is one we accept. */
export function isAcceptedFormat(format: string): format is AcceptedFormat {
  return (ACCEPTED_FORMATS as readonly string[]).includes(format);
}
