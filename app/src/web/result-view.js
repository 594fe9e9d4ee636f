// The result panel: big digit, confidence, one bar per digit, and what the model saw.

const SIDE = 28;

/**
 * The API's `input`: 784 bytes, base64.
 * @param {string} base64
 * @returns {Uint8Array}
 */
export function decodeModelInput(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Paints the model's 28x28 input (0 = background, 255 = ink) as the model sees it:
 * white ink on black, like MNIST.
 * @param {HTMLCanvasElement} canvas  a 28x28 canvas (CSS scales it up, pixelated)
 * @param {string} input  the API's `input`: 784 bytes row-major, base64
 */
export function drawModelInput(canvas, input) {
  const levels = decodeModelInput(input);
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i += 1) {
    const level = levels[i] ?? 0;
    image.data[i * 4] = level;
    image.data[i * 4 + 1] = level;
    image.data[i * 4 + 2] = level;
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** "97.1%" (one decimal, enough to tell a near-tie). */
export function formatPercent(probability) {
  return `${(probability * 100).toFixed(1)}%`;
}

/**
 * @param {HTMLElement} root  the result section
 */
export function createResultView(root) {
  const digitEl = root.querySelector('#result-digit');
  const confidenceEl = root.querySelector('#result-confidence');
  const modelEl = root.querySelector('#result-model');
  const bars = root.querySelector('#bars');
  const seen = root.querySelector('#seen');
  const select = root.querySelector('#correct-label');
  const correctStatus = root.querySelector('#correct-status');
  let current = null;

  // Ten rows built once; each update only changes widths and texts.
  const rows = [];
  for (let digit = 0; digit < 10; digit += 1) {
    const li = document.createElement('li');
    li.className = 'bar-row';
    const label = document.createElement('span');
    label.className = 'bar-label';
    label.textContent = String(digit);
    const track = document.createElement('span');
    track.className = 'bar-track';
    const fill = document.createElement('span');
    fill.className = 'bar-fill';
    track.append(fill);
    const value = document.createElement('span');
    value.className = 'bar-value';
    li.append(label, track, value);
    bars.append(li);
    rows.push({ li, fill, value });
  }

  return {
    /** The prediction on screen, or null. */
    current: () => current,
    /** @param {{ id: string, digit: number, confidence: number, probabilities: number[], input: string, modelVersion: string, feedbackLabel: number | null }} prediction */
    show(prediction) {
      current = prediction;
      root.hidden = false;
      digitEl.textContent = String(prediction.digit);
      confidenceEl.textContent = `${formatPercent(prediction.confidence)} confident`;
      // During a canary, or just after a switch, this is not necessarily the version in the header.
      modelEl.textContent = `Answered by model ${prediction.modelVersion}`;
      prediction.probabilities.forEach((p, digit) => {
        const row = rows[digit];
        row.fill.style.width = `${Math.max(0, Math.min(100, p * 100))}%`;
        row.value.textContent = formatPercent(p);
        row.li.classList.toggle('top', digit === prediction.digit);
        row.li.setAttribute('aria-label', `Digit ${digit}: ${formatPercent(p)}`);
      });
      drawModelInput(seen, prediction.input);
      select.value = prediction.feedbackLabel === null ? '' : String(prediction.feedbackLabel);
      correctStatus.textContent = '';
    },
    /** After a correction: keep the panel and say what was recorded. */
    showCorrected(prediction) {
      current = prediction;
      correctStatus.textContent = `Thanks: recorded ${prediction.feedbackLabel} as the right digit.`;
    },
  };
}
