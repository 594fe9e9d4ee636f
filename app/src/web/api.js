// The page's only door to the server: same-origin fetch calls, and errors turned into words.

/** An API failure with the server's code, and a sentence a person can act on. */
export class ApiError extends Error {
  /**
   * @param {string} code  machine code from `{ error: { code } }`, or "network"
   * @param {string} message  the server's own message
   * @param {number} status  HTTP status (0 when the server was not reached)
   * @param {string | undefined} requestId  for 5xx: quote it when reporting a problem
   */
  constructor(code, message, status, requestId) {
    super(message);
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

const WORDS = {
  network: 'Cannot reach the server. Check your connection and try again.',
  missing_image: 'No image was sent. Draw a digit or choose an image file.',
  unsupported_image: 'That file is not an image we can read. Please use a PNG, JPEG, WebP, GIF or TIFF image.',
  payload_too_large: 'That image is too large. Please use a smaller image (a photo of one digit is plenty).',
  no_ink: 'No digit found: the image looks blank. Draw a digit, or upload an image with a clearly visible digit.',
  timeout: 'The server took too long to answer. Please try again.',
  unavailable: 'The service cannot take predictions right now. Please try again in a moment.',
  not_found: 'That prediction no longer exists.',
};

/** A sentence for the user; never a stack, never raw JSON. */
export function describeError(error) {
  if (!(error instanceof ApiError)) return 'Something went wrong in the page. Please reload and try again.';
  const words = WORDS[error.code];
  if (words) return words;
  if (error.code === 'invalid_request') return `The request was not accepted: ${error.message}.`;
  const reference = error.requestId ? ` (reference ${error.requestId})` : '';
  return `Something went wrong on the server${reference}. Please try again.`;
}

async function call(path, init) {
  let response;
  try {
    response = await fetch(path, { ...init, headers: { Accept: 'application/json', ...(init && init.headers) } });
  } catch {
    throw new ApiError('network', 'network error', 0, undefined);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body && body.error ? body.error : {};
    throw new ApiError(error.code || `http_${response.status}`, error.message || response.statusText, response.status, error.requestId);
  }
  return body;
}

/** Sends an image (canvas blob or file) as multipart field "image"; resolves to the prediction. */
export function predictImage(blob, source, filename) {
  const form = new FormData();
  form.append('source', source);
  form.append('image', blob, filename);
  return call('/api/predictions', { method: 'POST', body: form });
}

/** One page of history, newest first: `{ items, nextCursor }`. */
export function listPredictions(limit, cursor) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  return call(`/api/predictions?${query}`);
}

/** Records the user's correction; resolves to the updated prediction. */
export function sendFeedback(id, label) {
  return call(`/api/predictions/${encodeURIComponent(id)}/feedback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ label }),
  });
}

/** The model versions, newest first, and which serves: `{ active, canary, revision, versions }`. */
export function listModels() {
  return call('/api/models');
}

/** One version: `{ card, decisions, live, serving }` (decisions newest first). */
export function getModel(version) {
  return call(`/api/models/${encodeURIComponent(version)}`);
}

/** What /readyz says (200 or 503 both carry the same JSON). */
export async function getReadiness() {
  try {
    const response = await fetch('/readyz', { headers: { Accept: 'application/json' } });
    return await response.json();
  } catch {
    return null;
  }
}
