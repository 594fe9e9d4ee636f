/**
 * Requests as bytes, and the one check every hostile case makes of its answer: the status, and
 * the API's error shape `{ error: { code, message } }` (a request id only on 5xx), as JSON, with
 * an x-request-id header and nothing that looks like a stack trace or a server path.
 */
import { expect } from 'vitest';
import type { RawResponse } from '../../fixtures/raw-http.js';

export type Headers = readonly (readonly [string, string])[];

export interface RequestParts {
  /** Headers after Host (which `host: null` leaves out). */
  readonly headers?: Headers;
  readonly body?: string | Buffer;
  /** @default 'localhost' */
  readonly host?: string | null;
  /** Add Content-Length for the body. @default true when there is a body */
  readonly contentLength?: boolean;
}

/** `METHOD target HTTP/1.1`, Host, the headers, Content-Length, the body. */
export function httpRequest(method: string, target: string, parts: RequestParts = {}): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`];
  if (parts.host !== null) lines.push(`Host: ${parts.host ?? 'localhost'}`);
  for (const [name, value] of parts.headers ?? []) lines.push(`${name}: ${value}`);
  const body = parts.body === undefined ? Buffer.alloc(0) : Buffer.from(parts.body);
  if ((parts.contentLength ?? parts.body !== undefined) === true) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

export interface Part {
  /** Content-Disposition name; a filename makes it a file part. */
  readonly name: string;
  readonly filename?: string;
  readonly contentType?: string;
  readonly body: string | Buffer;
}

/** A multipart/form-data body with `boundary`; `close: false` leaves out the closing delimiter. */
export function multipartBody(boundary: string, parts: readonly Part[], options: { close?: boolean } = {}): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type = part.contentType === undefined ? '' : `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`, 'latin1'), Buffer.from(part.body), Buffer.from('\r\n'));
  }
  if (options.close ?? true) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** POST /api/predictions with a multipart body of `parts`. */
export function postForm(parts: readonly Part[], options: { boundary?: string; close?: boolean } = {}): Buffer {
  const boundary = options.boundary ?? 'hostile-boundary';
  return httpRequest('POST', '/api/predictions', {
    headers: [['Content-Type', `multipart/form-data; boundary=${boundary}`]],
    body: multipartBody(boundary, parts, options),
  });
}

/** POST /api/predictions with a raw body of `contentType`. */
export function postRaw(contentType: string, body: string | Buffer): Buffer {
  return httpRequest('POST', '/api/predictions', { headers: [['Content-Type', contentType]], body });
}

const LEAKS = /\bat \S+ \(|\bat \S+:\d+:\d+|node_modules|\/work\/|\/app\/(?:src|dist)\/|\bfile:\/\//;

/** The response is `status` with the API's JSON error shape and `code`. */
export function expectJsonError(response: RawResponse | undefined, status: number, code: string): void {
  expect(response, 'the server answered nothing').toBeDefined();
  const { status: actual, headers, body } = response!;
  expect({ status: actual, body }).toMatchObject({ status });
  expect(headers['content-type']).toBe('application/json; charset=utf-8');
  expect(headers['x-request-id']).toMatch(/^\S+$/);
  const parsed = JSON.parse(body) as { error: Record<string, unknown> };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(Object.keys(parsed.error).sort()).toEqual(status >= 500 ? ['code', 'message', 'requestId'] : ['code', 'message']);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message).toMatch(/\S/);
  expect(body).not.toMatch(LEAKS);
}

/** An expected answer: status and error code (null: not an error; a JSON body is then checked to parse). */
export type Answer = readonly [status: number, code: string | null];

/** One hostile request: what goes on the wire, and the answers it must get, in order. */
export interface HostileCase {
  readonly name: string;
  /** The bytes, or parts written in turn; built lazily (some images take a moment to make). */
  readonly send: () => string | Buffer | readonly (string | Buffer)[] | Promise<Buffer | readonly Buffer[]>;
  readonly answers: readonly Answer[];
}

/** The check of one answer: the error shape; for a non-error its status, and a JSON body that parses. */
export function expectAnswer(response: RawResponse | undefined, [status, code]: Answer): void {
  if (code !== null) {
    expectJsonError(response, status, code);
    return;
  }
  expect(response?.status).toBe(status);
  expect(response!.body.length).toBeGreaterThan(0);
  if (response!.headers['content-type']?.startsWith('application/json')) expect(() => JSON.parse(response!.body) as unknown).not.toThrow();
}
