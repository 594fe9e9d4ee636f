/**
 * The RGBA passes of image-ink.ts, reading one 32-bit word per pixel instead of four bytes.
 * RGBA is what the browser canvas uploads, the image that matters most: 280x280 pixels, mostly
 * fully transparent, with a few thousand stroke pixels. These loops run on every prediction,
 * so they are written for V8: signed 32-bit words (an unsigned word above 2^31 would be a
 * double), the transparent background skipped two pixels per test, and the arithmetic of a
 * stroke pixel reused while the next pixel has the same word (stroke interiors are uniform).
 * Results are bit-identical to the byte-wise definitions in image-ink.ts.
 */

/** Rounded x/255 for x in 0..65025, without a division. */
export function divideBy255(x: number): number {
  return (x + 128 + ((x + 128) >> 8)) >> 8;
}

/** BT.601 luminance with integer weights summing to 256. */
export function weighLuminance(r: number, g: number, b: number): number {
  return (77 * r + 150 * g + 29 * b + 128) >> 8;
}

/** Whether a little-endian word view puts alpha in the top byte (true on every platform Node ships for). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The pixels as words (a copy when the bytes are not aligned for an Int32Array view). */
function viewWords(data: Uint8Array, pixels: number): { words: Int32Array } {
  const bytes = data.byteOffset % 4 === 0 ? data : new Uint8Array(data);
  return { words: new Int32Array(bytes.buffer, bytes.byteOffset, pixels) };
}

/** Alpha-weighted luminance sum and alpha sum over every `rowStep`-th row (transparent pixels weigh nothing). */
export function weighRgbaInkColour(data: Uint8Array, width: number, height: number, rowStep: number): { weightedLuminance: number; totalAlpha: number } {
  const { words } = viewWords(data, width * height);
  let weightedLuminance = 0;
  let totalAlpha = 0;
  for (let y = 0; y < height; y += rowStep) {
    for (let i = y * width, end = i + width; i < end; i++) {
      const word = words[i];
      if ((word & 0xff000000) === 0) continue;
      const alpha = word >>> 24;
      weightedLuminance += alpha * weighLuminance(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff);
      totalAlpha += alpha;
    }
  }
  return { weightedLuminance, totalAlpha };
}

/** Grey levels of the pixels at `indices`, transparency flattened onto `backdrop`, counted by level. */
export function countRgbaLevels(data: Uint8Array, pixels: number, indices: readonly number[], backdrop: number): Uint32Array {
  const { words } = viewWords(data, pixels);
  const histogram = new Uint32Array(256);
  for (const i of indices) {
    const word = words[i];
    const alpha = word >>> 24;
    let level = backdrop;
    if (alpha !== 0) {
      const luminance = weighLuminance(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff);
      level = alpha === 255 ? luminance : divideBy255(luminance * alpha + backdrop * (255 - alpha));
    }
    histogram[level] += 1;
  }
  return histogram;
}

/** Where measureRgbaInk writes: the ink map (zero-filled), and per-row and per-column maxima (zero-filled). */
export interface InkOutputs {
  readonly ink: Uint8Array;
  readonly rowMax: Uint8Array;
  readonly columnMax: Uint8Array;
}

/**
 * Ink of every pixel (grey level flattened onto `backdrop`, then looked up in `inkOfLevel`),
 * with row and column maxima. Written for V8 on a mostly transparent canvas: row by row (a
 * pixel's row is the loop's, its maximum a local), all state in locals (no closure), and, when
 * a transparent pixel has no ink, eight all-zero words skipped with one OR of eight loads (the
 * loop's own cost paid once per eight background pixels; ~2x faster than pairs).
 */
export function measureRgbaInk(data: Uint8Array, width: number, height: number, backdrop: number, inkOfLevel: Uint8Array, out: InkOutputs): void {
  const { words } = viewWords(data, width * height);
  const { ink, rowMax, columnMax } = out;
  const transparentInk = inkOfLevel[backdrop]!;
  // Zero words have no ink when transparentInk is 0, so skipping them changes nothing; else
  // every pixel carries ink (an unusual image) and none is skipped.
  const skipEnd = transparentInk === 0 ? width - (width % 8) : 0;
  // Stroke interiors repeat one word: its ink is computed once per run.
  let lastWord = 0;
  let lastValue = transparentInk;
  for (let y = 0; y < height; y++) {
    const base = y * width;
    let rowPeak = 0;
    let x = 0;
    while (x < width) {
      const i = base + x;
      if (x < skipEnd && (x & 7) === 0
        && (words[i]! | words[i + 1]! | words[i + 2]! | words[i + 3]! | words[i + 4]! | words[i + 5]! | words[i + 6]! | words[i + 7]!) === 0) {
        x += 8;
        continue;
      }
      const word = words[i]!;
      if (word !== lastWord) {
        lastValue = transparentInk;
        if ((word & 0xff000000) !== 0) {
          const alpha = word >>> 24;
          const luminance = weighLuminance(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff);
          lastValue = inkOfLevel[alpha === 255 ? luminance : divideBy255(luminance * alpha + backdrop * (255 - alpha))]!;
        }
        lastWord = word;
      }
      if (lastValue !== 0) {
        ink[i] = lastValue;
        if (lastValue > rowPeak) rowPeak = lastValue;
        if (lastValue > columnMax[x]!) columnMax[x] = lastValue;
      }
      x++;
    }
    rowMax[y] = rowPeak;
  }
}
