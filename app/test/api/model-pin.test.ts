import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { createFakeClassifier, createTestApp, type TestApp } from './support/test-app.js';

/**
 * `X-Model-Version` on an app with one fixed classifier (no registry following): only its own
 * version can be named. The service following the registry is tested in
 * app/test/lifecycle/shadow-replay.test.ts.
 */
describe('POST /api/predictions with X-Model-Version', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers with the version it names, and records it', async () => {
    t = await createTestApp({ classifier: createFakeClassifier({ digit: 4 }) });
    const res = await request(t.callback).post('/api/predictions').set('Content-Type', 'image/png').set('X-Model-Version', 'test-model-1').send(await drawDigitPng(4));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ digit: 4, modelVersion: 'test-model-1' });
    const stored = await request(t.callback).get(`/api/predictions/${res.body.id}`);
    expect(stored.body.modelVersion).toBe('test-model-1');
  });

  it('answers 400 unknown_model_version for a version it does not serve, and records nothing', async () => {
    t = await createTestApp();
    const res = await request(t.callback).post('/api/predictions').set('Content-Type', 'image/png').set('X-Model-Version', 'v-other').send(await drawDigitPng(4));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'unknown_model_version', message: 'model version v-other is not served here' } });
    expect((await request(t.callback).get('/api/predictions')).body.items).toEqual([]);
  });

  it('answers 400 for a name that cannot be a version, before the upload is used', async () => {
    t = await createTestApp();
    const res = await request(t.callback).post('/api/predictions').set('Content-Type', 'image/png').set('X-Model-Version', '../model').send(await drawDigitPng(4));
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'unknown_model_version', message: 'x-model-version "../model" is not a model version name (letters, digits, . _ -; at most 128)' });
  });
});
