/**
 * From decoded pixels to an "ink" map: how much each pixel differs from the background, in the
 * background's opposite direction, whatever the polarity of the source. Runs in TypeScript on
 * the one raw buffer sharp decoded: every extra libvips operation (flatten, greyscale...) costs
 * more than this whole pass at canvas size (see ENVIRONMENT.md, "Images").
 */

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
 * Grey level of every pixel (BT.601 luminance, weights summing to 256), transparency flattened
 * onto `backdrop`. One loop per channel layout: a generic per-pixel branch costs several times
 * more at canvas size.
 */
function flattenToGrey(image: RawImage, backdrop: number): Uint8Array {
  const { data, channels } = image;
  const grey = new Uint8Array(image.width * image.height);
  if (channels === 1) {
    grey.set(data.subarray(0, grey.length));
  } else if (channels === 2) {
    for (let i = 0, p = 0; i < grey.length; i++, p += 2) {
      const alpha = data[p + 1];
      grey[i] = alpha === 255 ? data[p] : divideBy255(data[p] * alpha + backdrop * (255 - alpha));
    }
  } else if (channels === 3) {
    for (let i = 0, p = 0; i < grey.length; i++, p += 3) {
      grey[i] = (77 * data[p] + 150 * data[p + 1] + 29 * data[p + 2] + 128) >> 8;
    }
  } else {
    for (let i = 0, p = 0; i < grey.length; i++, p += channels) {
      const alpha = data[p + 3];
      if (alpha === 0) {
        grey[i] = backdrop;
        continue;
      }
      const luminance = (77 * data[p] + 150 * data[p + 1] + 29 * data[p + 2] + 128) >> 8;
      grey[i] = alpha === 255 ? luminance : divideBy255(luminance * alpha + backdrop * (255 - alpha));
    }
  }
  return grey;
}

/** Rounded x/255 for x in 0..65025, without a division. */
function divideBy255(x: number): number {
  return (x + 128 + ((x + 128) >> 8)) >> 8;
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
  const { data, channels } = image;
  if (channels !== 2 && channels !== 4) return 255;
  const alphaHistogram = new Uint32Array(256);
  for (const i of border) alphaHistogram[data[i * channels + channels - 1]] += 1;
  if (findHistogramQuantile(alphaHistogram, border.length, 0.5) >= 128) return 255;
  let weightedLuminance = 0;
  let totalAlpha = 0;
  for (let p = 0; p < data.length; p += channels) {
    const alpha = data[p + channels - 1];
    if (alpha === 0) continue;
    const luminance =
      channels === 2 ? data[p] : (77 * data[p] + 150 * data[p + 1] + 29 * data[p + 2] + 128) >> 8;
    weightedLuminance += alpha * luminance;
    totalAlpha += alpha;
  }
  return totalAlpha > 0 && weightedLuminance / totalAlpha >= 128 ? 0 : 255;
}

/**
 * Measures ink against the background: the background level is the median of the border
 * pixels (after flattening transparency), the polarity is whether that median is dark.
 * One pass over the pixels; per-row and per-column maxima make any bounding box O(w + h).
 */
export function extractInk(image: RawImage): InkMap {
  const { width, height } = image;
  const border = listBorderPixels(width, height);
  const grey = flattenToGrey(image, chooseBackdrop(image, border));

  const borderHistogram = new Uint32Array(256);
  for (const i of border) borderHistogram[grey[i]] += 1;
  const background = findHistogramQuantile(borderHistogram, border.length, 0.5);
  const lightInkOnDark = background < 128;
  const deviationHistogram = new Uint32Array(256);
  for (let value = 0; value < 256; value++) {
    deviationHistogram[Math.abs(value - background)] += borderHistogram[value];
  }
  const noiseLevel = findHistogramQuantile(deviationHistogram, border.length, 0.9);

  // Grey level -> ink as a table, applied in place: the grey buffer becomes the ink map.
  const inkOfLevel = new Uint8Array(256);
  for (let v = 0; v < 256; v++) inkOfLevel[v] = Math.max(0, lightInkOnDark ? v - background : background - v);
  const ink = grey;
  const rowMax = new Uint8Array(height);
  const columnMax = new Uint8Array(width);
  for (let y = 0, i = 0; y < height; y++) {
    let rowPeak = 0;
    for (let x = 0; x < width; x++, i++) {
      const value = inkOfLevel[ink[i]];
      ink[i] = value;
      if (value === 0) continue;
      if (value > rowPeak) rowPeak = value;
      if (value > columnMax[x]) columnMax[x] = value;
    }
    rowMax[y] = rowPeak;
  }
  let maxInk = 0;
  for (let y = 0; y < height; y++) maxInk = Math.max(maxInk, rowMax[y]);
  return { ink, width, height, maxInk, noiseLevel, lightInkOnDark, rowMax, columnMax };
}
