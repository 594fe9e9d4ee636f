/**
 * Reader for the IDX format of the original MNIST files (big-endian header, then raw bytes).
 * Images: magic 2051, count, rows, columns, then count*rows*columns unsigned bytes.
 * Labels: magic 2049, count, then count unsigned bytes.
 */

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly columns: number;
  /** All images back to back, row-major, 0 (background) .. 255 (ink). */
  readonly pixels: Uint8Array;
}

/** An IDX file that is not what it claims to be (wrong magic, truncated). */
export class IdxFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdxFormatError';
  }
}

function readHeader(buffer: Uint8Array, words: number, expectedMagic: number, what: string): number[] {
  if (buffer.byteLength < words * 4) throw new IdxFormatError(`${what}: ${buffer.byteLength} bytes is too short for an IDX header`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const header = Array.from({ length: words }, (_, i) => view.getUint32(i * 4, false));
  if (header[0] !== expectedMagic) {
    throw new IdxFormatError(`${what}: magic number ${header[0]} is not ${expectedMagic}`);
  }
  return header;
}

/** Parses an IDX3 image file; the returned pixels share the buffer's memory. */
export function parseIdxImages(buffer: Uint8Array): IdxImages {
  const [, count = 0, rows = 0, columns = 0] = readHeader(buffer, 4, IDX_IMAGES_MAGIC, 'images');
  const expected = 16 + count * rows * columns;
  if (buffer.byteLength !== expected) {
    throw new IdxFormatError(`images: ${buffer.byteLength} bytes, header promises ${expected}`);
  }
  return { count, rows, columns, pixels: buffer.subarray(16) };
}

/** Parses an IDX1 label file into numbers 0..9. */
export function parseIdxLabels(buffer: Uint8Array): number[] {
  const [, count = 0] = readHeader(buffer, 2, IDX_LABELS_MAGIC, 'labels');
  if (buffer.byteLength !== 8 + count) {
    throw new IdxFormatError(`labels: ${buffer.byteLength} bytes, header promises ${8 + count}`);
  }
  const labels = Array.from(buffer.subarray(8));
  const bad = labels.find((label) => label > 9);
  if (bad !== undefined) throw new IdxFormatError(`labels: ${bad} is not a digit`);
  return labels;
}
