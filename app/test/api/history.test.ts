import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPredictionId } from '../../src/store/ids.js';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describe('GET /api/predictions (history)', () => {
  let t: TestApp;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    const png = await drawDigitPng(9);
    for (let i = 0; i < 5; i += 1) {
      const res = await request(t.callback).post('/api/predictions?source=canvas').attach('image', png, 'd.png');
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists predictions newest first with every field', async () => {
    const res = await request(t.callback).get('/api/predictions');
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { id: string }) => p.id)).toEqual([...ids].reverse());
    expect(res.body.nextCursor).toBeNull();
    const first = res.body.items[0];
    expect(Object.keys(first).sort()).toEqual(
      ['confidence', 'createdAt', 'digit', 'feedbackAt', 'feedbackLabel', 'id', 'input', 'latencyMs', 'modelVersion', 'probabilities', 'source'].sort(),
    );
    expect(Buffer.from(first.input, 'base64')).toHaveLength(784);
    expect(first).toMatchObject({ source: 'canvas', feedbackLabel: null, feedbackAt: null });
  });

  it('pages with limit and an opaque cursor until nextCursor is null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await request(t.callback)
        .get('/api/predictions')
        .query(cursor === null ? { limit: 2 } : { limit: 2, cursor });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((p: { id: string }) => p.id));
      cursor = res.body.nextCursor as string | null;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it('returns one prediction by id', async () => {
    const res = await request(t.callback).get(`/api/predictions/${ids[2]}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(ids[2]);
    expect(Buffer.from(res.body.input as string, 'base64')).toHaveLength(784);
  });

  it('answers 404 not_found for an unknown id and for a string that is no id', async () => {
    for (const id of [newPredictionId(), 'nope', '%27%20OR%201=1']) {
      const res = await request(t.callback).get(`/api/predictions/${id}`);
      expect(res.status, id).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('answers 400 for a malformed cursor', async () => {
    const res = await request(t.callback).get('/api/predictions').query({ cursor: 'definitely-not-ours' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it('answers 400 for a limit outside 1..100', async () => {
    for (const limit of ['0', '101', 'ten', '2.5', '-1']) {
      const res = await request(t.callback).get('/api/predictions').query({ limit });
      expect(res.status, limit).toBe(400);
      expect(res.body.error.message).toMatch(/limit/);
    }
  });
});
