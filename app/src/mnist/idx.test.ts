import { describe, expect, it } from 'vitest';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IdxFormatError, parseIdxImages, parseIdxLabels } from './idx.js';

function header(...words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w, false));
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

describe('parseIdxImages', () => {
  it('reads count, rows, columns and the pixels after the 16-byte big-endian header', () => {
    const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
    const parsed = parseIdxImages(concat(header(IDX_IMAGES_MAGIC, 2, 3, 4), pixels));
    expect(parsed).toMatchObject({ count: 2, rows: 3, columns: 4 });
    expect(Array.from(parsed.pixels)).toEqual(Array.from(pixels));
  });

  it('refuses a label file passed as images (magic 2049 instead of 2051)', () => {
    expect(() => parseIdxImages(concat(header(IDX_LABELS_MAGIC, 1, 1, 1), new Uint8Array(1)))).toThrow(/magic number 2049 is not 2051/);
  });

  it('refuses a truncated file whose header promises more pixels', () => {
    expect(() => parseIdxImages(concat(header(IDX_IMAGES_MAGIC, 2, 2, 2), new Uint8Array(7)))).toThrow(IdxFormatError);
  });

  it('refuses a file too short to hold a header', () => {
    expect(() => parseIdxImages(new Uint8Array(5))).toThrow(/too short/);
  });
});

describe('parseIdxLabels', () => {
  it('reads the labels after the 8-byte header', () => {
    expect(parseIdxLabels(concat(header(IDX_LABELS_MAGIC, 3), Uint8Array.of(7, 0, 9)))).toEqual([7, 0, 9]);
  });

  it('refuses an image file passed as labels (magic 2051 instead of 2049)', () => {
    expect(() => parseIdxLabels(concat(header(IDX_IMAGES_MAGIC, 1), Uint8Array.of(1)))).toThrow(/magic number 2051 is not 2049/);
  });

  it('refuses a label that is not a digit', () => {
    expect(() => parseIdxLabels(concat(header(IDX_LABELS_MAGIC, 2), Uint8Array.of(3, 12)))).toThrow(/12 is not a digit/);
  });

  it('refuses a count that does not match the file length', () => {
    expect(() => parseIdxLabels(concat(header(IDX_LABELS_MAGIC, 4), Uint8Array.of(1, 2)))).toThrow(IdxFormatError);
  });
});
