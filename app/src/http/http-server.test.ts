import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeRaw, type RawExchange, type RawRequestOptions } from '../../test/fixtures/raw-http.js';
import { PayloadTooLargeError } from '../errors.js';
import { createMetrics } from '../metrics.js';
import { createErrorMiddleware } from './error-middleware.js';
import { createHttpServer } from './http-server.js';
import type { AppState } from './request-context.js';
import { createRequestContext } from './request-context.js';
import { createRequestShapeCheck } from './request-shape.js';

/**
 * The server around the app, on loopback: what Node refuses before Koa runs gets the JSON
 * error shape, and every answer reaches a client that is still sending when it is written.
 */
const metrics = createMetrics({ defaultMetrics: false });
let server: Server;
let port: number;

beforeAll(async () => {
  const app = new Koa<AppState>();
  app.use(createRequestContext());
  app.use(createErrorMiddleware(pino({ level: 'silent' })));
  app.use(createRequestShapeCheck());
  app.use((ctx) => {
    // Refuses any upload from its declared length alone, without reading a byte of it.
    if (ctx.method === 'POST') throw new PayloadTooLargeError(`refused ${ctx.get('content-length')} bytes`);
    ctx.body = { path: ctx.path };
  });
  server = createHttpServer(app, { headersTimeoutMs: 500, requestTimeoutMs: 1_000, maxConnections: 100 }, { logger: pino({ level: 'silent' }), metrics });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const exchange = (options: Omit<RawRequestOptions, 'port'>): Promise<RawExchange> => exchangeRaw({ port, timeoutMs: 10_000, ...options });

function errorOf(body: string): { code: string; message: string } {
  return (JSON.parse(body) as { error: { code: string; message: string } }).error;
}

describe('createHttpServer', () => {
  it('answers a request Node cannot parse with the JSON error shape, a request id, and closes', async () => {
    const result = await exchange({ send: 'BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n' });
    expect(result.responses).toHaveLength(1);
    const [response] = result.responses;
    expect(response!.status).toBe(400);
    expect(response!.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    expect(response!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(errorOf(response!.body)).toEqual({ code: 'invalid_request', message: 'the request is not valid HTTP/1.1: Invalid method encountered' });
    expect(result).toMatchObject({ closedByServer: true, reset: false });
    expect(await metrics.clientErrors.get()).toMatchObject({ values: [{ labels: { code: 'invalid_request' }, value: 1 }] });
  });

  it('lets a client still sending a 64 KB header read its 431 before the connection closes', async () => {
    const result = await exchange({ send: ['GET / HTTP/1.1\r\nHost: a\r\nCookie: ', 'c'.repeat(64 * 1024), '\r\n\r\n'] });
    expect(result.responses.map((r) => [r.status, errorOf(r.body).code])).toEqual([[431, 'headers_too_large']]);
    expect(result.closedByServer).toBe(true);
  });

  it('answers a good request before the garbage pipelined after it, in order', async () => {
    const result = await exchange({ send: 'GET /first HTTP/1.1\r\nHost: a\r\n\r\nNOT HTTP AT ALL\r\n\r\n' });
    expect(result.responses.map((r) => r.status)).toEqual([200, 400]);
    expect(JSON.parse(result.responses[0]!.body)).toEqual({ path: '/first' });
  });

  it('answers 408 JSON to a client that never finishes its headers, about when headersTimeout says', async () => {
    const result = await exchange({ send: 'GET / HTTP/1.1\r\n', drip: { bytes: 'X-Slow: 1\r\n', everyMs: 50 } });
    expect(result.responses.map((r) => [r.status, errorOf(r.body).message])).toEqual([[408, 'the request line and headers were not received within 500 ms']]);
    // Node checks every second: not stalled means well under the 10 s the client would wait.
    expect(result.elapsedMs).toBeLessThan(5_000);
  });

  it('answers CONNECT with 405 JSON instead of dropping the connection', async () => {
    const result = await exchange({ send: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n' });
    expect(result.responses.map((r) => [r.status, errorOf(r.body).code])).toEqual([[405, 'method_not_allowed']]);
  });

  it('sends an Expect other than 100-continue through the app: 417 JSON', async () => {
    const result = await exchange({ send: 'GET / HTTP/1.1\r\nHost: a\r\nExpect: tea\r\n\r\n', responses: 1 });
    expect(result.responses.map((r) => [r.status, errorOf(r.body).code])).toEqual([[417, 'expectation_failed']]);
  });

  it('lets a 4 MB upload refused from its length finish, shows the 413, and keeps the connection', async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, 1);
    const result = await exchange({
      send: [`POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`, body, 'GET /after HTTP/1.1\r\nHost: a\r\n\r\n'],
      responses: 2,
    });
    expect(result.responses.map((r) => r.status)).toEqual([413, 200]);
    expect(result).toMatchObject({ reset: false, closedByServer: false });
  });
});
