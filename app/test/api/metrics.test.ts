import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { overrideStore } from '../fixtures/store-override.js';
import type { PredictionRecord, StoreWriteEvent } from '../../src/store/prediction-store.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describe('GET /metrics', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });

  it('exposes request latency, batch size, predictions, store errors, backlog, info and process metrics', async () => {
    const t = await createTestApp();
    apps.push(t);
    const png = await drawDigitPng(3);
    await request(t.callback).post('/api/predictions?source=canvas').attach('image', png, 'd.png').expect(201);
    await request(t.callback).post('/api/predictions').set('Content-Type', 'text/plain').send('x').expect(415);

    const res = await request(t.callback).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(text).toContain('http_request_duration_seconds_count{method="POST",route="/api/predictions",status="201"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="POST",route="/api/predictions",status="415"} 1');
    expect(text).toContain('classifier_batch_size_count 1');
    expect(text).toContain('predictions_total{digit="3",source="canvas"} 1');
    expect(text).toMatch(/# TYPE store_errors_total counter/);
    expect(text).toContain('store_backlog_records 0');
    expect(text).toContain('mnist_app_info{backend="fake",model_version="test-model-1",store="embedded"} 1');
    expect(text).toMatch(/process_cpu_seconds_total \d/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds \d/);
  });

  it('labels requests by route template, not by raw path', async () => {
    const t = await createTestApp();
    apps.push(t);
    await request(t.callback).get('/api/predictions/0190a0a0-0000-7000-8000-000000000000').expect(404);
    await request(t.callback).get('/no/such/page').expect(404);
    const text = (await request(t.callback).get('/metrics')).text;
    expect(text).toContain('route="/api/predictions/:id",status="404"');
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toContain('0190a0a0-0000');
  });

  it('keeps each app on its own registry so two apps in one process do not share counts', async () => {
    const first = await createTestApp();
    const second = await createTestApp();
    apps.push(first, second);
    await request(first.callback).get('/healthz').expect(200);
    const secondText = (await request(second.callback).get('/metrics')).text;
    expect(secondText).not.toContain('route="/healthz"');
    const firstText = (await request(first.callback).get('/metrics')).text;
    expect(firstText).toContain('http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1');
  });

  it('exposes a spooling store\'s write latency by outcome and its delivery counters', async () => {
    let delivered = 0;
    let retries = 0;
    const t = await createTestApp({
      wrapStore: (store) => {
        const listeners: ((event: StoreWriteEvent) => void)[] = [];
        return overrideStore(store, {
          record: async (prediction: PredictionRecord) => {
            await store.record(prediction);
            for (const listener of listeners) listener({ outcome: 'spooled', durationMs: 3 });
          },
          onWrite: (listener: (event: StoreWriteEvent) => void) => listeners.push(listener),
          deliveryStats: () => ({ deliveredTotal: delivered, deliveryRetriesTotal: retries }),
        });
      },
    });
    apps.push(t);
    await request(t.callback).post('/api/predictions').attach('image', await drawDigitPng(3), 'd.png').expect(201);
    delivered = 5;
    retries = 2;
    let text = (await request(t.callback).get('/metrics')).text;
    expect(text).toContain('store_write_duration_seconds_count{outcome="spooled"} 1');
    expect(text).toContain('store_spool_delivered_total 5');
    expect(text).toContain('store_spool_delivery_retries_total 2');
    delivered = 7;
    text = (await request(t.callback).get('/metrics')).text;
    expect(text).toContain('store_spool_delivered_total 7');
    expect(text).toContain('store_spool_delivery_retries_total 2');
  });
});
