/** MNIST's own geometry, shared by preprocessing, the model, training and the classifier. */

export const IMAGE_SIZE = 28;
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;
/** MNIST digits were fitted into a 20x20 box, then centred by mass in 28x28. */
export const DIGIT_BOX = 20;
export const NUM_CLASSES = 10;

/** A 28x28 MNIST-style input: white ink (1.0) on black (0.0), row-major, 784 floats. */
export type DigitPixels = Float32Array;

/** Images laid end to end in one buffer: a batch as the model takes it (and as it moves between threads). */
export function stackImages(images: readonly DigitPixels[]): Float32Array {
  const flat = new Float32Array(images.length * IMAGE_PIXELS);
  images.forEach((pixels, i) => flat.set(pixels, i * IMAGE_PIXELS));
  return flat;
}
