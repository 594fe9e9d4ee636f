import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { createFakeClassifier, createTestApp, type TestApp } from './support/test-app.js';

describe('errors, unknown routes and timeouts', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers 500 internal with the request id for an unexpected failure, logs the stack, leaks nothing', async () => {
    t = await createTestApp({ classifier: createFakeClassifier({ failWith: new Error('tensor shape secret /srv/model') }) });
    const res = await request(t.callback).post('/api/predictions').set('x-request-id', 'boom-1').attach('image', await drawDigitPng(1), 'd.png');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'internal error', requestId: 'boom-1' } });
    expect(res.text).not.toContain('secret');
    const logged = t.logLines.find((l) => l.msg === 'unhandled error');
    expect(logged).toMatchObject({ requestId: 'boom-1', level: 'error' });
    expect(JSON.stringify(logged)).toContain('tensor shape secret');
    expect((logged?.err as { stack?: string }).stack).toMatch(/at /);
  });

  it('answers 504 timeout when a request takes longer than REQUEST_TIMEOUT_MS', async () => {
    t = await createTestApp({ env: { REQUEST_TIMEOUT_MS: '150' }, classifier: createFakeClassifier({ delayMs: 600 }) });
    const res = await request(t.callback).post('/api/predictions').attach('image', await drawDigitPng(1), 'd.png');
    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ code: 'timeout' });
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  });

  it('answers 404 JSON for an unknown route', async () => {
    t = await createTestApp();
    const res = await request(t.callback).get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'not found' } });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('answers 405 JSON with Allow for a wrong method on a known route', async () => {
    t = await createTestApp();
    const res = await request(t.callback).delete('/api/predictions');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toContain('POST');
    expect(res.body.error.code).toBe('method_not_allowed');
  });
});
