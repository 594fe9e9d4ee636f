import { readMnistTestSet } from '../mnist/mnist-data.js';
import type { LoadedSource, ReplayItem } from './outcome.js';
import { encodeAll } from './png-encode.js';

/**
 * The 10,000 labelled MNIST test images, each encoded once, up front, as the 28x28 greyscale
 * PNG a client would upload (MNIST polarity: light ink on black; the service detects it). Only
 * the indices this shard will send are encoded, so P pods share the encoding work.
 */

/**
 * Loads the MNIST test set and encodes the items `wanted` selects (from size, see
 * neededItemIndices). `dataDir` overrides where the IDX files are read.
 */
export async function loadMnistSource(
  wanted: (size: number) => readonly number[],
  dataDir?: string,
): Promise<LoadedSource> {
  const set = await readMnistTestSet(dataDir);
  const indices = wanted(set.images.length);
  const pngs = await encodeAll(set.images, indices);
  const items = new Map<number, ReplayItem>();
  for (const i of indices) {
    items.set(i, { sourceIndex: i, body: pngs.get(i)!, contentType: 'image/png', label: set.labels[i]!, recordedDigit: null });
  }
  return { size: set.images.length, items };
}
