import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isAcceptedFormat, sniffImageFormat } from './image-format.js';

async function encodeSample(format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff'): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .toFormat(format)
    .toBuffer();
}

describe('sniffImageFormat', () => {
  it.each(['png', 'jpeg', 'webp', 'gif', 'tiff'] as const)('recognises a %s encoded by sharp', async (format) => {
    expect(sniffImageFormat(await encodeSample(format))).toBe(format);
  });

  it('recognises big-endian TIFF and BigTIFF signatures', () => {
    expect(sniffImageFormat(Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).toBe('tiff');
    expect(sniffImageFormat(Buffer.from([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0]))).toBe('tiff');
  });

  it('refuses an SVG document, even one starting with an XML declaration', () => {
    expect(sniffImageFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from('<?xml version="1.0"?><svg/>'))).toBeUndefined();
  });

  it('refuses a PDF', () => {
    expect(sniffImageFormat(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'))).toBeUndefined();
  });

  it('refuses an empty buffer and a RIFF file that is not WebP', () => {
    expect(sniffImageFormat(Buffer.alloc(0))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt '))).toBeUndefined();
  });

  it('refuses a truncated signature', () => {
    expect(sniffImageFormat(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBeUndefined();
  });
});

describe('isAcceptedFormat', () => {
  it('accepts the five raster formats and nothing sharp could also load', () => {
    for (const format of ['png', 'jpeg', 'webp', 'gif', 'tiff']) expect(isAcceptedFormat(format)).toBe(true);
    for (const format of ['svg', 'pdf', 'heif', 'magick', 'jp2', 'raw']) expect(isAcceptedFormat(format)).toBe(false);
  });
});
