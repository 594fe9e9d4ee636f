import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { exchangeRaw } from '../../test/fixtures/raw-http.js';
import { createErrorMiddleware } from './error-middleware.js';
import { createTimeoutMiddleware, readBoundedBody } from './limits.js';
import type { AppState } from './request-context.js';
import { createRequestContext } from './request-context.js';

/** An app whose only route reads the body, then waits `workMs`, recording whether its signal aborted. */
async function startApp(timeoutMs: number, workMs: number): Promise<{ port: number; aborted: unknown[]; close: () => void }> {
  const aborted: unknown[] = [];
  const app = new Koa<AppState>();
  app.use(createRequestContext());
  app.use(createErrorMiddleware(pino({ level: 'silent' })));
  app.use(createTimeoutMiddleware(timeoutMs));
  app.use(async (ctx) => {
    ctx.state.signal.addEventListener('abort', () => aborted.push(ctx.state.signal.reason));
    await readBoundedBody(ctx.req, 1024 * 1024);
    await new Promise((resolve) => setTimeout(resolve, workMs));
    ctx.body = { ok: true };
  });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, aborted, close: () => (server.closeAllConnections(), server.close()) };
}

describe('createTimeoutMiddleware', () => {
  it('answers 408 while the client is still sending its body, and aborts the request signal', async () => {
    const app = await startApp(200, 0);
    const result = await exchangeRaw({ port: app.port, send: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n', drip: { bytes: 'x', everyMs: 50 }, responses: 1 });
    app.close();
    expect(result.responses.map((r) => [r.status, JSON.parse(r.body).error])).toEqual([[408, { code: 'request_timeout', message: 'the request body did not arrive within 200 ms' }]]);
    expect(app.aborted).toHaveLength(1);
  });

  it('answers 504 when the body is in and the work is what takes too long', async () => {
    const app = await startApp(200, 1_000);
    const result = await exchangeRaw({ port: app.port, send: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok', responses: 1 });
    app.close();
    expect(result.responses.map((r) => [r.status, JSON.parse(r.body).error.code])).toEqual([[504, 'timeout']]);
  });

  it('aborts the request signal when the client goes away before its answer', async () => {
    const app = await startApp(5_000, 300);
    await exchangeRaw({ port: app.port, send: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok', timeoutMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    app.close();
    expect(app.aborted.map((reason) => (reason as Error).message)).toEqual(['the client closed the connection before its answer']);
  });
});
