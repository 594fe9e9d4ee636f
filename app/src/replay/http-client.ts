import { Agent, request } from 'undici';
import { MODEL_VERSION_HEADER } from '../http/model-version-header.js';
import { CREATED, type Outcome, type ReplayItem } from './outcome.js';

/**
 * The replay's HTTP side, on undici's own `request` (lighter than fetch) over one keep-alive
 * Agent sized to the load, so connection set-up is paid once and the client is not what
 * limits the measurement. Every failure becomes an Outcome; nothing here throws per request.
 */

export interface ReplayClientOptions {
  /** Service base URL, e.g. http://127.0.0.1:3000 (a trailing slash is fine). */
  readonly baseUrl: string;
  /** Keep-alive connections to hold: the closed-loop concurrency, or enough for the open-loop rate. */
  readonly connections: number;
  /** Give up on one request after this long (counted as a network error). */
  readonly timeoutMs: number;
}

/** Result of reading one JSON resource. */
export interface JsonResponse {
  readonly status: number | 'network';
  readonly body: unknown;
  readonly error?: string;
}

export interface ReplayClient {
  /**
   * POSTs the item's image as a raw body to /api/predictions?source=replay; with `version`, pinned
   * to it (X-Model-Version: the shadow replay).
   */
  sendItem(item: ReplayItem, version?: string): Promise<Outcome>;
  /** GETs a path under the base URL and parses JSON (body null when not JSON or not 200). */
  getJson(pathAndQuery: string): Promise<JsonResponse>;
  close(): Promise<void>;
}

const USER_AGENT = 'mnist-replay/1';

export function createReplayClient(options: ReplayClientOptions): ReplayClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const agent = new Agent({
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  // Marked as replay traffic, so the service's history and metrics tell it from users'.
  const predictUrl = `${base}/api/predictions?source=replay`;

  async function sendItem(item: ReplayItem, version?: string): Promise<Outcome> {
    const headers: Record<string, string> = { 'content-type': item.contentType, 'user-agent': USER_AGENT };
    if (version !== undefined) headers[MODEL_VERSION_HEADER] = version;
    try {
      const response = await request(predictUrl, {
        method: 'POST',
        dispatcher: agent,
        headers,
        body: item.body,
      });
      if (response.statusCode !== CREATED) {
        await response.body.dump();
        return { status: response.statusCode };
      }
      return readPrediction(await response.body.text());
    } catch (error) {
      return { status: 'network', error: describe(error) };
    }
  }

  async function getJson(pathAndQuery: string): Promise<JsonResponse> {
    try {
      const response = await request(`${base}${pathAndQuery}`, {
        method: 'GET',
        dispatcher: agent,
        headers: { accept: 'application/json', 'user-agent': USER_AGENT },
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        return { status: response.statusCode, body: null };
      }
      const text = await response.body.text();
      try {
        return { status: 200, body: JSON.parse(text) as unknown };
      } catch {
        return { status: 200, body: null, error: 'response is not JSON' };
      }
    } catch (error) {
      return { status: 'network', body: null, error: describe(error) };
    }
  }

  return { sendItem, getJson, close: () => agent.close() };
}

/** A 201 whose body lacks a digit is not a success: the prediction cannot be checked. */
function readPrediction(text: string): Outcome {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { status: CREATED, error: 'response is not JSON' };
  }
  const prediction = body as { id?: unknown; digit?: unknown; modelVersion?: unknown };
  if (typeof prediction.digit !== 'number' || typeof prediction.id !== 'string') {
    return { status: CREATED, error: 'response lacks id or digit' };
  }
  return {
    status: CREATED,
    id: prediction.id,
    digit: prediction.digit,
    modelVersion: typeof prediction.modelVersion === 'string' ? prediction.modelVersion : undefined,
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
