/**
 * Bad requests all at once: a mix of the case tables in parallel, a burst of decodes at the
 * pixel limit, and uploads past the in-flight body budget, which must be refused (503) rather
 * than buffered, and leave the service able to serve once they are gone.
 */
import { describe, expect, it } from 'vitest';
import { drawDigitPng } from '../../fixtures/draw-digit.js';
import { exchangeRaw } from '../../fixtures/raw-http.js';
import { expectAnswer, expectJsonError, postForm, postRaw, type HostileCase } from '../support/http-bytes.js';
import { expectCaseAnswered, sendCase, type ServedAppRef } from '../support/suite.js';

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const INFLIGHT_BUDGET_BYTES = 32 * 1024 * 1024;

/** A metric's value from /metrics (the first series of that name). */
async function readMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1));
}

export function describeConcurrentAbuse(app: ServedAppRef, mix: readonly HostileCase[]): void {
  describe('bad requests all at once', () => {
    it(`answers ${mix.length} bad requests sent together, each as it would alone`, async () => {
      const results = await Promise.all(mix.map((hostile) => sendCase(app(), hostile)));
      results.forEach((result, i) => expectCaseAnswered(result, mix[i]!));
    });

    it('decodes 64 drawings at the pixel limit at once within its bounds, and reports the decoder in /metrics', async () => {
      const big = postRaw('image/png', await drawDigitPng(6, { sizePx: 1024, strokeWidthPx: 60 }));
      const burst = Array.from({ length: 64 }, () => exchangeRaw({ port: app().port, send: big, responses: 1, timeoutMs: 60_000 }));
      // While the burst is queued, the service still answers its cheap routes.
      const health = await exchangeRaw({ port: app().port, send: 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n', responses: 1 });
      expect(health.responses.map((r) => r.status)).toEqual([200]);
      for (const result of await Promise.all(burst)) {
        const status = result.responses[0]?.status;
        // A full decode queue is refused, not grown; everything else is a prediction.
        if (status === 503) expectJsonError(result.responses[0], 503, 'unavailable');
        else expectAnswer(result.responses[0], [201, null]);
      }
      for (const name of ['image_decode_queue_depth', 'image_decode_active', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']) {
        expect(await readMetric(app().url, name), name).toBeGreaterThanOrEqual(0);
      }
    });

    it('refuses with 503 an upload that does not fit the in-flight body budget, and serves again once uploads end', async () => {
      const holders = Math.floor(INFLIGHT_BUDGET_BYTES / MAX_BODY_BYTES);
      const head = `POST /api/predictions HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: ${MAX_BODY_BYTES}\r\n\r\n`;
      // Each trickles its body until REQUEST_TIMEOUT_MS answers it, holding its reservation till then.
      const held = Array.from({ length: holders }, () => exchangeRaw({ port: app().port, send: head, drip: { bytes: 'x', everyMs: 100 }, timeoutMs: 60_000 }));
      const deadline = Date.now() + 20_000;
      while ((await readMetric(app().url, 'http_inflight_body_bytes')) < holders * MAX_BODY_BYTES && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await readMetric(app().url, 'http_inflight_body_bytes')).toBe(holders * MAX_BODY_BYTES);
      const refused = await exchangeRaw({ port: app().port, send: head, responses: 1 });
      expectJsonError(refused.responses[0], 503, 'unavailable');
      for (const result of await Promise.all(held)) expectJsonError(result.responses[0], 408, 'request_timeout');
      const again = await exchangeRaw({ port: app().port, send: postForm([{ name: 'image', filename: 'd.png', body: await drawDigitPng(1) }]), responses: 1 });
      expect(again.responses.map((r) => r.status)).toEqual([201]);
    });
  });
}
