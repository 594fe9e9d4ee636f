import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { exchangeRaw } from '../../test/fixtures/raw-http.js';
import { discardUnreadBody, type DiscardLimits } from './unread-body.js';

/** A server that answers 413 at once, without reading, and discards the body within `limits`. */
async function startRefusingServer(limits: DiscardLimits): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    discardUnreadBody(req, limits);
    res.writeHead(413, { 'Content-Type': 'application/json', 'Content-Length': '2' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const post = (length: number): string => `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${length}\r\n\r\n`;

describe('discardUnreadBody', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('reads a body within the bounds to its end, and the connection serves the next request', async () => {
    const started = await startRefusingServer({ maxBytes: 1024 * 1024, maxMs: 10_000 });
    server = started.server;
    const body = Buffer.alloc(512 * 1024);
    const result = await exchangeRaw({ port: started.port, send: [post(body.length), body, post(0)], responses: 2, timeoutMs: 10_000 });
    expect(result.responses.map((r) => r.status)).toEqual([413, 413]);
    expect(result.closedByServer).toBe(false);
  });

  it('cuts the connection once more than maxBytes arrive after the answer', async () => {
    const started = await startRefusingServer({ maxBytes: 64 * 1024, maxMs: 10_000 });
    server = started.server;
    const result = await exchangeRaw({ port: started.port, send: post(10_000_000), drip: { bytes: Buffer.alloc(16 * 1024), everyMs: 1 }, timeoutMs: 10_000 });
    expect(result.responses.map((r) => r.status)).toEqual([413]);
    expect(result.closedByServer).toBe(true);
  });

  it('cuts the connection of a client still trickling its body after maxMs', async () => {
    const started = await startRefusingServer({ maxBytes: 1024 * 1024, maxMs: 300 });
    server = started.server;
    const result = await exchangeRaw({ port: started.port, send: post(10_000), drip: { bytes: 'x', everyMs: 20 }, timeoutMs: 10_000 });
    expect(result.responses.map((r) => r.status)).toEqual([413]);
    expect(result.closedByServer).toBe(true);
    expect(result.elapsedMs).toBeLessThan(5_000);
  });
});
