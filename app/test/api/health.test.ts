import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/errors.js';
import { beginDraining } from '../../src/server.js';
import type { PredictionStore } from '../../src/store/prediction-store.js';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { overrideStore } from '../fixtures/store-override.js';
import { createFakeClassifier, createTestApp, type TestApp } from './support/test-app.js';

function withHealth(health: PredictionStore['health']) {
  return (store: PredictionStore): PredictionStore => overrideStore(store, { health });
}

describe('health endpoints', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers /healthz 200 while the process runs', async () => {
    t = await createTestApp();
    const res = await request(t.callback).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it('answers /readyz 200 naming the backend, model version and store', async () => {
    t = await createTestApp();
    const res = await request(t.callback).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ready: true,
      draining: false,
      classifier: { ok: true, backend: 'fake', modelVersion: 'test-model-1', detail: 'loaded' },
      store: { ok: true, kind: 'embedded', backlog: 0 },
    });
    expect(res.body.store.detail).toMatch(/sqlite/);
  });

  it('answers /readyz 503 and says the store is the problem when it is unhealthy', async () => {
    t = await createTestApp({ wrapStore: withHealth(async () => ({ ok: false, detail: 'spool backlog 12000 > 10000', backlog: 12000 })) });
    const res = await request(t.callback).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ ready: false, classifier: { ok: true }, store: { ok: false, detail: 'spool backlog 12000 > 10000', backlog: 12000 } });
    // Liveness does not depend on the store: a database outage must not restart pods.
    expect((await request(t.callback).get('/healthz')).status).toBe(200);
  });

  it('answers /readyz 503 when the store health check throws', async () => {
    t = await createTestApp({
      wrapStore: withHealth(async () => {
        throw new Error('no hosts available');
      }),
    });
    const res = await request(t.callback).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.store).toMatchObject({ ok: false, detail: 'no hosts available' });
  });

  it('answers /readyz 503 naming the classifier, and predictions 503, while its inference worker restarts', async () => {
    const detail = 'inference worker restarting (worker thread 1 exited with code 3)';
    const classifier = {
      ...createFakeClassifier({ failWith: new UnavailableError(`the ${detail}`) }),
      health: () => ({ ok: false, detail }),
    };
    t = await createTestApp({ classifier });
    const ready = await request(t.callback).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ ready: false, classifier: { ok: false, detail }, store: { ok: true } });
    const predicted = await request(t.callback).post('/api/predictions').attach('image', await drawDigitPng(4), 'four.png');
    expect(predicted.status).toBe(503);
    expect(predicted.body.error).toMatchObject({ code: 'unavailable' });
  });

  it('answers /readyz 503 once the app is draining for shutdown', async () => {
    t = await createTestApp();
    beginDraining(t.app);
    const res = await request(t.callback).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ ready: false, draining: true, store: { ok: true } });
  });
});
