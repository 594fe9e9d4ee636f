/**
 * Slow and never-ending clients: headers dripped a line at a time, a connection that says
 * nothing, bodies that trickle or never end. Each must get its JSON answer at about the time
 * the documented timeout says (checked against generous "not stalled" bounds only), and a
 * crowd of them must not keep a valid request waiting.
 */
import { describe, expect, it } from 'vitest';
import { drawDigitPng } from '../../fixtures/draw-digit.js';
import { exchangeRaw, type RawExchange } from '../../fixtures/raw-http.js';
import { expectJsonError, httpRequest, postForm } from '../support/http-bytes.js';
import type { ServedAppRef } from '../support/suite.js';

/** Node checks timeouts every second; a loaded machine adds more. Anything past this is a stall. */
const SLACK_MS = 4_000;
const HEAD = 'POST /api/predictions HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\n';

export function describeSlowClients(app: ServedAppRef, env: { HEADERS_TIMEOUT_MS: string; REQUEST_TIMEOUT_MS: string }): void {
  const headersMs = Number(env.HEADERS_TIMEOUT_MS);
  const requestMs = Number(env.REQUEST_TIMEOUT_MS);
  const slow = (options: Omit<Parameters<typeof exchangeRaw>[0], 'port'>): Promise<RawExchange> => exchangeRaw({ port: app().port, timeoutMs: 60_000, ...options });

  describe.concurrent('slow and never-ending clients', () => {
    it('answers 408 JSON to headers dripped a line at a time, once HEADERS_TIMEOUT_MS has passed', async () => {
      const result = await slow({ send: 'GET /healthz HTTP/1.1\r\n', drip: { bytes: 'X-Slow: 1\r\n', everyMs: 100 } });
      expect(result.responses).toHaveLength(1);
      expectJsonError(result.responses[0], 408, 'request_timeout');
      expect(result.closedByServer).toBe(true);
      expect(result.elapsedMs).toBeLessThan(headersMs + SLACK_MS);
    });

    it('answers 408 JSON to a connection that never sends a byte', async () => {
      const result = await slow({});
      expectJsonError(result.responses[0], 408, 'request_timeout');
      expect(result.elapsedMs).toBeLessThan(headersMs + SLACK_MS);
    });

    it('answers 408 JSON to a body trickling a byte at a time, once REQUEST_TIMEOUT_MS has passed', async () => {
      const result = await slow({ send: `${HEAD}Content-Length: 100000\r\n\r\n`, drip: { bytes: 'x', everyMs: 50 } });
      expectJsonError(result.responses[0], 408, 'request_timeout');
      expect(JSON.parse(result.responses[0]!.body).error.message).toBe(`the request body did not arrive within ${requestMs} ms`);
      expect(result.closedByServer).toBe(true);
      expect(result.elapsedMs).toBeLessThan(headersMs + requestMs + SLACK_MS);
    });

    it('answers 408 JSON to a declared body that never comes', async () => {
      const result = await slow({ send: `${HEAD}Content-Length: 100\r\n\r\n` });
      expectJsonError(result.responses[0], 408, 'request_timeout');
      expect(result.elapsedMs).toBeLessThan(headersMs + requestMs + SLACK_MS);
    });

    it('answers 408 JSON to a chunked body of tiny chunks that never ends', async () => {
      const result = await slow({ send: `${HEAD}Transfer-Encoding: chunked\r\n\r\n`, drip: { bytes: '1\r\nx\r\n', everyMs: 20 } });
      expectJsonError(result.responses[0], 408, 'request_timeout');
      expect(result.closedByServer).toBe(true);
    });

    it('answers 413 JSON to a chunked body that never ends, then cuts it off', async () => {
      const chunk = `10000\r\n${'z'.repeat(0x10000)}\r\n`;
      const result = await slow({ send: `${HEAD}Transfer-Encoding: chunked\r\n\r\n`, drip: { bytes: chunk, everyMs: 2 } });
      expectJsonError(result.responses[0], 413, 'payload_too_large');
      expect(result.closedByServer).toBe(true);
      expect(result.elapsedMs).toBeLessThan(headersMs + requestMs + SLACK_MS);
    });

    it('answers a valid prediction promptly while 300 slowloris connections drip their headers', async () => {
      const crowd = Array.from({ length: 300 }, () => slow({ send: 'GET /healthz HTTP/1.1\r\n', drip: { bytes: 'X-Slow: 1\r\n', everyMs: 200 } }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = performance.now();
      const valid = await slow({ send: postForm([{ name: 'image', filename: 'd.png', body: await drawDigitPng(8) }]), responses: 1 });
      expect(valid.responses.map((r) => r.status)).toEqual([201]);
      expect(performance.now() - started).toBeLessThan(5_000);
      for (const result of await Promise.all(crowd)) expectJsonError(result.responses[0], 408, 'request_timeout');
    });

    it('closes a keep-alive connection left idle, without an answer to a request never made', async () => {
      const result = await slow({ send: httpRequest('GET', '/healthz') });
      expect(result.responses.map((r) => r.status)).toEqual([200]);
      expect(result.closedByServer).toBe(true);
    });
  });
}
