import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPredictionId } from '../../src/store/ids.js';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describe('POST /api/predictions/:id/feedback', () => {
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    t = await createTestApp();
    const res = await request(t.callback).post('/api/predictions').attach('image', await drawDigitPng(7), 'd.png');
    id = res.body.id as string;
  });
  afterAll(async () => {
    await t.close();
  });

  it('stores the correction and answers 200 with the updated record', async () => {
    const res = await request(t.callback).post(`/api/predictions/${id}/feedback`).send({ label: 7 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, feedbackLabel: 7 });
    expect(new Date(res.body.feedbackAt).getTime()).toBeGreaterThan(0);
    const again = await request(t.callback).get(`/api/predictions/${id}`);
    expect(again.body.feedbackLabel).toBe(7);
  });

  it('lets the user change the correction', async () => {
    const res = await request(t.callback).post(`/api/predictions/${id}/feedback`).send({ label: 1 });
    expect(res.status).toBe(200);
    expect(res.body.feedbackLabel).toBe(1);
  });

  it('accepts label 0', async () => {
    const res = await request(t.callback).post(`/api/predictions/${id}/feedback`).send({ label: 0 });
    expect(res.body.feedbackLabel).toBe(0);
  });

  it('answers 404 for an unknown prediction', async () => {
    const res = await request(t.callback).post(`/api/predictions/${newPredictionId()}/feedback`).send({ label: 2 });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('answers 400 for a label that is not a digit', async () => {
    for (const body of [{ label: 10 }, { label: -1 }, { label: 2.5 }, { label: '3' }, {}, { label: null }, [7]]) {
      const res = await request(t.callback).post(`/api/predictions/${id}/feedback`).send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
  });

  it('answers 400 for a body that is not JSON', async () => {
    const notJson = await request(t.callback).post(`/api/predictions/${id}/feedback`).set('Content-Type', 'application/json').send('{label: 3');
    expect(notJson.status).toBe(400);
    const form = await request(t.callback).post(`/api/predictions/${id}/feedback`).type('form').send('label=3');
    expect(form.status).toBe(400);
    expect(form.body.error.message).toMatch(/JSON/);
  });

  it('answers 413 for a feedback body far larger than a label', async () => {
    const res = await request(t.callback)
      .post(`/api/predictions/${id}/feedback`)
      .send({ label: 3, padding: 'x'.repeat(10_000) });
    expect(res.status).toBe(413);
  });
});
