import { readMnistTestSet } from '../../../src/digits/mnist-data.js';
import { encodeGreyPng } from '../../../src/replay/png-encode.js';

/** Real MNIST test digits as the PNGs a client uploads (first `count`, cycled by callers). */
export async function mnistPngs(count: number): Promise<Buffer[]> {
  const set = await readMnistTestSet();
  return Promise.all(set.images.slice(0, count).map((pixels) => encodeGreyPng(pixels)));
}
