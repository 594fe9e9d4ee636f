/**
 * MNIST's geometry, applied to an ink map: crop to the ink's bounding box, fit it into a 20x20
 * box keeping the aspect ratio with an area-averaging (antialiased) resample, then place it in
 * 28x28 so that its centre of mass lands on pixel (14, 14) with an integer shift, as LeCun,
 * Cortes and Burges did. Measured on MNIST's own test set, mass centres sit at 14 +- 0.5 in
 * pixel-index coordinates, so that is the convention used here.
 */
import { DIGIT_BOX, IMAGE_SIZE } from '../mnist/geometry.js';
import type { InkMap } from './image-ink.js';

/** Inclusive-exclusive pixel rectangle. */
export interface InkBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

function findFirstAtLeast(values: Uint8Array, threshold: number): number {
  for (let i = 0; i < values.length; i++) if (values[i] >= threshold) return i;
  return -1;
}

function findLastAtLeast(values: Uint8Array, threshold: number): number {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] >= threshold) return i;
  return -1;
}

/** Smallest rectangle holding every pixel whose ink reaches `threshold`; undefined when none does. */
export function findInkBox(map: InkMap, threshold: number): InkBox | undefined {
  const top = findFirstAtLeast(map.rowMax, threshold);
  if (top < 0) return undefined;
  const bottom = findLastAtLeast(map.rowMax, threshold);
  const left = findFirstAtLeast(map.columnMax, threshold);
  const right = findLastAtLeast(map.columnMax, threshold);
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * For each of `dstLength` output cells, the source cells it covers and their weights (summing
 * to 1): the exact area each source pixel contributes. Works for shrinking and growing.
 */
function buildAreaWeights(srcLength: number, dstLength: number): { first: Int32Array; weights: Float32Array[] } {
  const first = new Int32Array(dstLength);
  const weights: Float32Array[] = [];
  const step = srcLength / dstLength;
  for (let j = 0; j < dstLength; j++) {
    const from = j * step;
    const to = (j + 1) * step;
    const start = Math.floor(from);
    const end = Math.min(srcLength, Math.ceil(to - 1e-9));
    const cell = new Float32Array(end - start);
    for (let s = start; s < end; s++) cell[s - start] = (Math.min(to, s + 1) - Math.max(from, s)) / step;
    first[j] = start;
    weights.push(cell);
  }
  return { first, weights };
}

/**
 * Resamples the boxed ink (values below `noiseFloor` treated as background, the rest scaled by
 * 1/maxInk) into `fitWidth` x `fitHeight` floats in 0..1. Separable: rows first, then columns.
 */
function resampleBox(map: InkMap, box: InkBox, noiseFloor: number, fitWidth: number, fitHeight: number): Float32Array {
  const { ink, width } = map;
  const scale = 1 / map.maxInk;
  const columns = buildAreaWeights(box.width, fitWidth);
  const rowsPass = new Float32Array(box.height * fitWidth);
  for (let y = 0; y < box.height; y++) {
    const rowStart = (box.top + y) * width + box.left;
    for (let j = 0; j < fitWidth; j++) {
      const cell = columns.weights[j];
      const start = rowStart + (columns.first[j]);
      let sum = 0;
      for (let k = 0; k < cell.length; k++) {
        const value = ink[start + k];
        if (value >= noiseFloor) sum += value * (cell[k]);
      }
      rowsPass[y * fitWidth + j] = sum * scale;
    }
  }
  const rows = buildAreaWeights(box.height, fitHeight);
  const fitted = new Float32Array(fitWidth * fitHeight);
  for (let i = 0; i < fitHeight; i++) {
    const cell = rows.weights[i];
    const first = rows.first[i];
    for (let k = 0; k < cell.length; k++) {
      const weight = cell[k];
      const source = (first + k) * fitWidth;
      for (let j = 0; j < fitWidth; j++) fitted[i * fitWidth + j] += weight * (rowsPass[source + j]);
    }
  }
  return fitted;
}

/** Centre of mass in pixel-index coordinates (pixel (0,0) has its centre at 0,0). */
export function measureCentreOfMass(pixels: ArrayLike<number>, width: number, height: number): { x: number; y: number } {
  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = pixels[y * width + x];
      mass += value;
      sumX += value * x;
      sumY += value * y;
    }
  }
  return mass > 0 ? { x: sumX / mass, y: sumY / mass } : { x: (width - 1) / 2, y: (height - 1) / 2 };
}

/** Integer shift putting `centre` on pixel 14, clamped so the fitted digit stays in the frame. */
function chooseOffset(centre: number, fittedLength: number): number {
  const wanted = Math.round(IMAGE_SIZE / 2 - centre);
  return Math.min(IMAGE_SIZE - fittedLength, Math.max(0, wanted));
}

/**
 * The 28x28 MNIST-style image (0..1, ink high) of the ink inside `box` (ink below `noiseFloor`
 * counts as background): longest side fitted to
 * 20 pixels, aspect ratio kept, mass centre on (14, 14) to within half a pixel per axis (unless
 * keeping the whole digit in frame forbids it).
 */
export function fitAndCentre(map: InkMap, box: InkBox, noiseFloor: number): Float32Array {
  const scale = DIGIT_BOX / Math.max(box.width, box.height);
  const fitWidth = Math.min(DIGIT_BOX, Math.max(1, Math.round(box.width * scale)));
  const fitHeight = Math.min(DIGIT_BOX, Math.max(1, Math.round(box.height * scale)));
  const fitted = resampleBox(map, box, noiseFloor, fitWidth, fitHeight);
  const centre = measureCentreOfMass(fitted, fitWidth, fitHeight);
  const offsetX = chooseOffset(centre.x, fitWidth);
  const offsetY = chooseOffset(centre.y, fitHeight);
  const out = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
  for (let y = 0; y < fitHeight; y++) {
    out.set(fitted.subarray(y * fitWidth, (y + 1) * fitWidth), (y + offsetY) * IMAGE_SIZE + offsetX);
  }
  return out;
}
