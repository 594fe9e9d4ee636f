import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Preprocess } from '../../src/app-deps.js';
import { preprocessImage } from '../../src/preprocess/preprocess.js';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * A decoder that cannot keep up: images beyond DECODE_CONCURRENCY wait, at most
 * DECODE_QUEUE_MAX of them, and the next one is refused at once with 503 instead of waiting
 * until it times out. The real preprocessing runs, held at a gate the test opens.
 */
function gatedPreprocess(): { preprocess: Preprocess; started: () => number; open: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let started = 0;
  return {
    started: () => started,
    open: () => open(),
    preprocess: async (bytes, limits) => {
      started += 1;
      await gate;
      return preprocessImage(bytes, limits);
    },
  };
}

function metricValue(text: string, name: string): number {
  return Number(text.split('\n').find((line) => line.startsWith(`${name} `))?.split(' ')[1]);
}

describe('a decoder that cannot keep up', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('queues DECODE_QUEUE_MAX images, refuses the next with 503 JSON, and shows the queue in /metrics', async () => {
    const gated = gatedPreprocess();
    t = await createTestApp({ env: { DECODE_CONCURRENCY: '1', DECODE_QUEUE_MAX: '1' }, preprocess: gated.preprocess });
    const png = await drawDigitPng(5);
    const post = () => request(t!.callback).post('/api/predictions').attach('image', png, 'd.png');
    const running = post().then((res) => res);
    const waiting = post().then((res) => res);
    while (gated.started() < 1) await new Promise((resolve) => setTimeout(resolve, 10));

    const refused = await post();
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: { code: 'unavailable', message: 'the image decoder is busy (1 images waiting): retry shortly', requestId: refused.headers['x-request-id'] } });
    const metrics = (await request(t.callback).get('/metrics')).text;
    expect({ active: metricValue(metrics, 'image_decode_active'), queued: metricValue(metrics, 'image_decode_queue_depth') }).toEqual({ active: 1, queued: 1 });

    gated.open();
    expect([(await running).status, (await waiting).status]).toEqual([201, 201]);
    expect(gated.started()).toBe(2);
  });
});
