import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { exchangeRaw } from '../fixtures/raw-http.js';
import { describeConcurrentAbuse } from './cases/concurrency.js';
import { FRAMING_CASES, HEADER_CASES, REQUEST_LINE_CASES } from './cases/http-framing.js';
import { BOMB_CASES, FORMAT_CASES } from './cases/images.js';
import { JSON_CASES, METHOD_CASES, PATH_CASES, QUERY_CASES } from './cases/routes.js';
import { describeSlowClients } from './cases/slow-clients.js';
import { BODY_CASES, MULTIPART_CASES } from './cases/uploads.js';
import { postForm } from './support/http-bytes.js';
import { ARTIFACTS_DIR } from './support/served-app.js';
import { describeCases, useServedApp } from './support/suite.js';

/**
 * The service as `make run` runs it (compiled, real model, embedded store, its memory settings),
 * against what an attacker would send: malformed HTTP, multipart abuse, image formats and bombs,
 * query, path and JSON abuse on every route, slow and never-ending clients, all of it at once.
 * Every answer must be the API's JSON error shape with the right status, on a connection the
 * client can still read; and at the end the service must still answer a prediction promptly,
 * having stayed within its memory bound throughout.
 */

/** Short timeouts so that slow-client cases take seconds; the mechanisms are the same. */
const SUITE_ENV = { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '3000' };
const MAX_RSS_MIB = 300;

const app = useServedApp(SUITE_ENV);

describeCases('malformed HTTP: the request line', REQUEST_LINE_CASES, app);
describeCases('malformed HTTP: headers', HEADER_CASES, app);
describeCases('malformed HTTP: body framing', FRAMING_CASES, app);
describeCases('multipart abuse', MULTIPART_CASES, app);
describeCases('bodies of the wrong type or size', BODY_CASES, app);
describeCases('image formats', FORMAT_CASES, app);
describeCases('image bombs', BOMB_CASES, app);
describeCases('wrong methods on every route', METHOD_CASES, app);
describeCases('path abuse', PATH_CASES, app);
describeCases('query abuse', QUERY_CASES, app);
describeCases('feedback JSON abuse', JSON_CASES, app);
describeSlowClients(app, SUITE_ENV);
describeConcurrentAbuse(app, [...FRAMING_CASES, ...MULTIPART_CASES, ...FORMAT_CASES, ...BOMB_CASES, ...JSON_CASES]);

describe('after all of the above', () => {
  it('still answers a valid prediction promptly', async () => {
    const started = performance.now();
    const result = await exchangeRaw({ port: app().port, send: postForm([{ name: 'image', filename: 'canvas.png', contentType: 'image/png', body: await drawDigitPng(3) }]), responses: 1 });
    expect(result.responses.map((r) => r.status)).toEqual([201]);
    expect(JSON.parse(result.responses[0]!.body)).toMatchObject({ digit: 3 });
    // Not stalled: a prediction takes milliseconds; seconds would mean a queue or a lock is stuck.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it(`kept its peak RSS within ${MAX_RSS_MIB} MiB`, () => {
    const peak = app().peakRssMiB();
    // Kept for the record beside the service's log: what the heaviest part of the suite cost.
    writeFileSync(path.join(ARTIFACTS_DIR, 'peak-rss.json'), `${JSON.stringify({ peakRssMiB: Math.round(peak * 10) / 10 })}\n`);
    expect(peak).toBeLessThanOrEqual(MAX_RSS_MIB);
  });

  it('logged no internal error, and each refusal below the app as one line with a request id', () => {
    const lines = app().logLines();
    expect(lines.filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);
    const refusals = lines.filter((line) => line.msg === 'client error');
    expect(refusals.length).toBeGreaterThan(20);
    for (const line of refusals) expect(line).toMatchObject({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: expect.any(Number), code: expect.any(String) });
  });
});
