import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/errors.js';
import type { PredictionStore } from '../../src/store/prediction-store.js';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { overrideStore } from '../fixtures/store-override.js';
import { createFakeClassifier, createTestApp, type TestApp } from './support/test-app.js';

describe('POST /api/predictions', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers 201 with the prediction for a drawn digit sent as multipart', async () => {
    t = await createTestApp({ classifier: createFakeClassifier({ digit: 4 }) });
    const png = await drawDigitPng(4);
    const res = await request(t.callback)
      .post('/api/predictions')
      .attach('image', png, { filename: 'digit.png', contentType: 'image/png' })
      .field('source', 'canvas');

    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toMatchObject({ digit: 4, confidence: 0.91, modelVersion: 'test-model-1', backend: 'fake', source: 'canvas' });
    expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(res.body.probabilities).toHaveLength(10);
    expect(new Date(res.body.createdAt).toString()).not.toBe('Invalid Date');
    expect(res.headers.location).toBe(`/api/predictions/${res.body.id}`);
    // What the model saw: 784 bytes, base64, with ink in them (a real preprocessing of the drawing).
    expect(res.body.input).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const input = Buffer.from(res.body.input as string, 'base64');
    expect(input).toHaveLength(784);
    expect(Math.max(...input)).toBeGreaterThan(200);
  });

  it('answers 201 for a raw image/png body and defaults source to api', async () => {
    t = await createTestApp();
    const res = await request(t.callback).post('/api/predictions').set('Content-Type', 'image/png').send(await drawDigitPng(7));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ digit: 3, source: 'api' });
  });

  it('takes the source from ?source= for a raw body', async () => {
    t = await createTestApp();
    const res = await request(t.callback)
      .post('/api/predictions?source=upload')
      .set('Content-Type', 'image/png')
      .send(await drawDigitPng(1));
    expect(res.status).toBe(201);
    expect(res.body.source).toBe('upload');
  });

  it('records the prediction before answering 201, with every field the response showed', async () => {
    t = await createTestApp();
    const res = await request(t.callback).post('/api/predictions').attach('image', await drawDigitPng(2), 'd.png');
    expect(res.status).toBe(201);
    const stored = await t.store.get(res.body.id as string);
    expect(stored).not.toBeNull();
    expect(stored?.digit).toBe(res.body.digit);
    expect(stored?.createdAt.toISOString()).toBe(res.body.createdAt);
    expect(Buffer.from(stored?.input ?? []).toString('base64')).toBe(res.body.input);
    expect(stored?.latencyMs).toBeGreaterThan(0);
    expect(stored?.feedbackLabel).toBeNull();
  });

  it('answers 503 with a request id when the store cannot keep the record', async () => {
    const refuseWrites = (store: PredictionStore): PredictionStore => overrideStore(store, {
      record: async () => {
        throw new UnavailableError('prediction spool is full');
      },
    });
    t = await createTestApp({ wrapStore: refuseWrites });
    const res = await request(t.callback).post('/api/predictions').attach('image', await drawDigitPng(5), 'd.png');
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'unavailable', message: 'prediction spool is full' });
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
    const metrics = await t.metrics.registry.getSingleMetricAsString('store_errors_total');
    expect(metrics).toContain('store_errors_total{operation="record",code="unavailable"} 1');
  });

  it('echoes a sane incoming x-request-id and replaces an unsafe one', async () => {
    t = await createTestApp();
    const png = await drawDigitPng(0);
    const kept = await request(t.callback).post('/api/predictions').set('x-request-id', 'abc-123').attach('image', png, 'd.png');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await request(t.callback)
      .post('/api/predictions')
      .set('x-request-id', 'bad id with spaces "and quotes"')
      .attach('image', png, 'd.png');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes one structured log line per request with id, route, status and duration', async () => {
    t = await createTestApp();
    const res = await request(t.callback).post('/api/predictions').set('x-request-id', 'log-me').attach('image', await drawDigitPng(6), 'd.png');
    expect(res.status).toBe(201);
    const lines = t.logLines.filter((l) => l.msg === 'request' && l.requestId === 'log-me');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'POST', route: '/api/predictions', status: 201, level: 'info' });
    expect(typeof lines[0]?.durationMs).toBe('number');
  });
});
