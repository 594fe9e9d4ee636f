import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError } from './errors.js';


export interface RequestOptions {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly query?: Record<string, string | undefined>;
  readonly timeoutMs?: number;
}

/**
 * JSON requests to the API server with the credentials of a KubeConfig. client-node's generic
 * KubernetesObjectApi serializes objects through its typed models, which silently drops any
 * field it does not know: apply and dry-run must send the manifests as written so the API
 * server (with fieldValidation=Strict) is the one that validates them.
 */
export class KubeRest {
  private readonly server: URL;

  constructor(private readonly kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  /** Sends one request; resolves the parsed JSON body, rejects with KubeApiError on >= 400. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(path, this.server);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const requestOptions: https.RequestOptions = {
      method,
      headers: { Accept: 'application/json' },
      timeout: options.timeoutMs ?? 30_000,
    };
    await this.kubeConfig.applyToHTTPSOptions(requestOptions);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) {
      requestOptions.headers = { ...requestOptions.headers, 'Content-Type': options.contentType ?? 'application/json' };
    }
    const { statusCode, text } = await send(url, requestOptions, body);
    if (statusCode >= 400) throw toApiError(statusCode, text);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }
}

function send(url: URL, options: https.RequestOptions, body: string | undefined): Promise<{ statusCode: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ statusCode: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`request to ${url.pathname} timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}

function toApiError(statusCode: number, text: string): KubeApiError {
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string };
    return new KubeApiError(statusCode, status.reason ?? '', status.message ?? text);
  } catch {
    return new KubeApiError(statusCode, '', text.slice(0, 500) || `HTTP ${statusCode}`);
  }
}
