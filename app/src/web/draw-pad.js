// The drawing canvas: pointer events (mouse, touch and pen alike), thick round strokes.

/** Brush diameter on the 280x280 canvas: about 2 MNIST pixels once scaled to 28x28. */
const LINE_WIDTH_PX = 20;
const INK = '#111111';

/**
 * Makes `canvas` drawable. The canvas stays transparent (the page's CSS gives it a white
 * look); the server reads alpha as ink, the same as the PNG a browser exports.
 * @param {HTMLCanvasElement} canvas
 * @param {{ onChange?: (hasInk: boolean) => void }} options
 */
export function createDrawPad(canvas, options = {}) {
  const ctx = canvas.getContext('2d');
  let activePointer = null;
  let last = null;
  let hasInk = false;

  const setInk = (value) => {
    if (hasInk !== value) {
      hasInk = value;
      if (options.onChange) options.onChange(hasInk);
    }
  };

  // CSS may shrink the canvas on a narrow phone: map client pixels to canvas pixels.
  const toCanvas = (event) => {
    const rect = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * canvas.width) / rect.width,
      y: ((event.clientY - rect.top) * canvas.height) / rect.height,
    };
  };

  const strokeTo = (point) => {
    ctx.lineWidth = LINE_WIDTH_PX;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = INK;
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(point.x, point.y);
    ctx.stroke();
    last = point;
    setInk(true);
  };

  canvas.addEventListener('pointerdown', (event) => {
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    event.preventDefault();
    canvas.focus({ preventScroll: true });
    canvas.setPointerCapture(event.pointerId);
    activePointer = event.pointerId;
    last = toCanvas(event);
    // A click without movement still leaves a dot.
    strokeTo({ x: last.x + 0.01, y: last.y });
  });

  canvas.addEventListener('pointermove', (event) => {
    if (event.pointerId !== activePointer) return;
    event.preventDefault();
    // Coalesced events keep fast strokes smooth instead of polygonal.
    const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
    for (const e of events.length > 0 ? events : [event]) strokeTo(toCanvas(e));
  });

  const end = (event) => {
    if (event.pointerId !== activePointer) return;
    activePointer = null;
    last = null;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  return {
    hasInk: () => hasInk,
    clear() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      setInk(false);
    },
    /** The drawing as a PNG blob (transparent background, dark ink). */
    toBlob() {
      return new Promise((resolve, reject) => {
        canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('canvas export failed'))), 'image/png');
      });
    },
  };
}
