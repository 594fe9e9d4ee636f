/**
 * From decoded pixels to an "ink" map: how much each pixel differs from the background, in the
 * background's opposite direction, whatever the polarity of the source. Runs in TypeScript on
 * the one raw buffer sharp decoded: every extra libvips operation (flatten, greyscale...) costs
 * more than this whole pass at canvas size (`make bench` times preprocessing against sharp's
 * decode alone). RGBA, the canvas upload, takes the word-at-a-time loops of image-ink-rgba.ts.
 */
import { countRgbaLevels, divideBy255, LITTLE_ENDIAN, measureRgbaInk, weighLuminance, weighRgbaInkColour } from './image-ink-rgba.js';

/** Pixels as sharp's `raw()` returns them: 8 bits per channel, interleaved, row-major. */
export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  readonly channels: number;
}

export interface InkMap {
  /** Per pixel, 0 = background, up to 255 = full contrast against it. */
  readonly ink: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Largest ink value in the image. */
  readonly maxInk: number;
  /** How far border pixels stray from the background (90th percentile): the noise floor. */
  readonly noiseLevel: number;
  /** True when the ink is lighter than the background. */
  readonly lightInkOnDark: boolean;
  /** Largest ink value of each row, of each column: bounding boxes without another pass. */
  readonly rowMax: Uint8Array;
  readonly columnMax: Uint8Array;
}

/**
 * Grey levels of `count` pixels from pixel `first` into `out`, transparency flattened onto
 * `backdrop`. One loop per channel layout, run a row at a time so the row stays in cache for
 * the ink pass: a per-pixel branch on the layout costs several times more at canvas size.
 */
function flattenRow(image: RawImage, first: number, count: number, backdrop: number, out: Uint8Array): void {
  const { data, channels } = image;
  let p = first * channels;
  if (channels === 1) {
    out.set(data.subarray(p, p + count));
  } else if (channels === 2) {
    for (let x = 0; x < count; x++, p += 2) {
      const alpha = data[p + 1];
      out[x] = alpha === 255 ? data[p] : divideBy255(data[p] * alpha + backdrop * (255 - alpha));
    }
  } else if (channels === 3) {
    for (let x = 0; x < count; x++, p += 3) out[x] = weighLuminance(data[p], data[p + 1], data[p + 2]);
  } else {
    for (let x = 0; x < count; x++, p += channels) {
      const alpha = data[p + 3];
      if (alpha === 0) {
        out[x] = backdrop;
        continue;
      }
      const luminance = weighLuminance(data[p], data[p + 1], data[p + 2]);
      out[x] = alpha === 255 ? luminance : divideBy255(luminance * alpha + backdrop * (255 - alpha));
    }
  }
}

/** Grey levels of the pixels at `indices`, transparency flattened onto `backdrop`, counted by level. */
function countLevels(image: RawImage, indices: readonly number[], backdrop: number): Uint32Array {
  const pixel = new Uint8Array(1);
  const histogram = new Uint32Array(256);
  for (const i of indices) {
    flattenRow(image, i, 1, backdrop, pixel);
    histogram[pixel[0]] += 1;
  }
  return histogram;
}

function listBorderPixels(width: number, height: number): number[] {
  const indices: number[] = [];
  for (let x = 0; x < width; x++) {
    indices.push(x);
    if (height > 1) indices.push((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    indices.push(y * width);
    if (width > 1) indices.push(y * width + width - 1);
  }
  return indices;
}

function findHistogramQuantile(histogram: Uint32Array, total: number, quantile: number): number {
  const target = Math.max(1, Math.ceil(total * quantile));
  let seen = 0;
  for (let value = 0; value < histogram.length; value++) {
    seen += histogram[value];
    if (seen >= target) return value;
  }
  return histogram.length - 1;
}

/**
 * Chooses the backdrop transparent pixels are flattened onto. A transparent background (a
 * browser canvas) means alpha is the ink coverage: flatten onto white when the strokes are
 * dark, onto black when they are light, so the strokes always show. An opaque background
 * only has stray transparency: flatten onto white, as MNIST's paper scans were.
 */
function chooseBackdrop(image: RawImage, border: readonly number[]): number {
  const { data, channels, width, height } = image;
  if (channels !== 2 && channels !== 4) return 255;
  const alphaHistogram = new Uint32Array(256);
  for (const i of border) alphaHistogram[data[i * channels + channels - 1]] += 1;
  if (findHistogramQuantile(alphaHistogram, border.length, 0.5) >= 128) return 255;
  // The ink's colour, weighted by coverage, from every few rows: strokes span many rows, and
  // when the sample misses every stroke, all rows are read.
  for (const rowStep of [Math.max(1, Math.floor(height / 32)), 1]) {
    const { weightedLuminance, totalAlpha } =
      channels === 4 && LITTLE_ENDIAN ? weighRgbaInkColour(data, width, height, rowStep) : weighInkColour(image, rowStep);
    if (totalAlpha > 0) return weightedLuminance / totalAlpha >= 128 ? 0 : 255;
  }
  return 255;
}

/** weighRgbaInkColour for any layout with alpha, a byte at a time. */
function weighInkColour(image: RawImage, rowStep: number): { weightedLuminance: number; totalAlpha: number } {
  const { data, channels, width, height } = image;
  let weightedLuminance = 0;
  let totalAlpha = 0;
  for (let y = 0; y < height; y += rowStep) {
    for (let p = y * width * channels, end = p + width * channels; p < end; p += channels) {
      const alpha = data[p + channels - 1];
      if (alpha === 0) continue;
      weightedLuminance += alpha * (channels === 2 ? data[p] : weighLuminance(data[p], data[p + 1], data[p + 2]));
      totalAlpha += alpha;
    }
  }
  return { weightedLuminance, totalAlpha };
}

/**
 * Measures ink against the background: the background level is the median of the border
 * pixels (after flattening transparency), the polarity is whether that median is dark.
 * One pass over the pixels; per-row and per-column maxima make any bounding box O(w + h).
 */
export function extractInk(image: RawImage): InkMap {
  const { width, height } = image;
  const border = listBorderPixels(width, height);
  const backdrop = chooseBackdrop(image, border);

  const rgba = image.channels === 4 && LITTLE_ENDIAN;
  const borderHistogram = rgba ? countRgbaLevels(image.data, width * height, border, backdrop) : countLevels(image, border, backdrop);
  const background = findHistogramQuantile(borderHistogram, border.length, 0.5);
  const lightInkOnDark = background < 128;
  const deviationHistogram = new Uint32Array(256);
  for (let value = 0; value < 256; value++) {
    deviationHistogram[Math.abs(value - background)] += borderHistogram[value];
  }
  const noiseLevel = findHistogramQuantile(deviationHistogram, border.length, 0.9);

  // Grey level -> ink as a table, so the per-pixel work is a look-up.
  const inkOfLevel = new Uint8Array(256);
  for (let v = 0; v < 256; v++) inkOfLevel[v] = Math.max(0, lightInkOnDark ? v - background : background - v);
  const ink = new Uint8Array(width * height);
  const rowMax = new Uint8Array(height);
  const columnMax = new Uint8Array(width);
  if (rgba) {
    measureRgbaInk(image.data, width, height, backdrop, inkOfLevel, { ink, rowMax, columnMax });
  } else {
    const grey = new Uint8Array(width);
    for (let y = 0, i = 0; y < height; y++) {
      flattenRow(image, i, width, backdrop, grey);
      let rowPeak = 0;
      for (let x = 0; x < width; x++, i++) {
        const value = inkOfLevel[grey[x]];
        if (value === 0) continue;
        ink[i] = value;
        if (value > rowPeak) rowPeak = value;
        if (value > columnMax[x]) columnMax[x] = value;
      }
      rowMax[y] = rowPeak;
    }
  }
  let maxInk = 0;
  for (let y = 0; y < height; y++) maxInk = Math.max(maxInk, rowMax[y]);
  return { ink, width, height, maxInk, noiseLevel, lightInkOnDark, rowMax, columnMax };
}
