import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDecision, makeLiveStats, makeVersion } from '../fixtures/model-versions.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** `GET /api/models` and `GET /api/models/:version` over the real embedded registry. */
describe('the model versions API', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const publish = async (version: string, createdAt: Date, parent: string | null = null): Promise<void> => {
    const { card, files } = makeVersion(version, { createdAt, parent, onnxBytes: 100 });
    await t.registry.publish(card, files);
  };

  it('says nothing serves yet on an empty registry', async () => {
    const res = await request(t.callback).get('/api/models');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: null, canary: null, revision: 0, versions: [] });
  });

  it('lists the versions newest first with the active one and the canary with its share', async () => {
    await publish('v1', new Date('2026-12-01T00:00:00Z'));
    await publish('v2', new Date('2026-12-02T00:00:00Z'), 'v1');
    await t.registry.setServing({ active: 'v1', canary: { version: 'v2', weight: 0.1 }, reason: 'test' }, 0);
    const res = await request(t.callback).get('/api/models');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ active: 'v1', canary: { version: 'v2', weight: 0.1 }, revision: 1 });
    expect(res.body.versions.map((v: { version: string; parent: string | null }) => [v.version, v.parent])).toEqual([['v2', 'v1'], ['v1', null]]);
    expect(res.body.versions[0]).toMatchObject({ mnistTestAccuracy: 0.9931, heldOutCorrectionAccuracy: 0.8, data: { corrections: 120 } });
  });

  it("shows one version's card, its decisions newest first, its recent live stats and its role", async () => {
    await publish('v1', new Date('2026-12-01T00:00:00Z'));
    await publish('v2', new Date('2026-12-02T00:00:00Z'), 'v1');
    await t.registry.setServing({ active: 'v1', canary: { version: 'v2', weight: 0.25 }, reason: 'test' }, 0);
    const now = Date.now();
    await t.registry.recordDecision(makeDecision('v2', new Date(now - 60_000), 'gate-passed'));
    await t.registry.recordDecision(makeDecision('v2', new Date(now - 30_000), 'canary-started'));
    await t.registry.reportLive(makeLiveStats('v2', 'pod-a', new Date(now - 5_000)));
    await t.registry.reportLive(makeLiveStats('v2', 'pod-a', new Date(now - 3_600_000)));

    const res = await request(t.callback).get('/api/models/v2');
    expect(res.status).toBe(200);
    expect(res.body.card).toMatchObject({ version: 'v2', parent: 'v1' });
    expect(res.body.serving).toBe('canary');
    expect(res.body.decisions.map((d: { kind: string }) => d.kind)).toEqual(['canary-started', 'gate-passed']);
    expect(res.body.decisions[0].at).toBe(new Date(now - 30_000).toISOString());
    // The default window is the last 15 minutes; ?windowMs= reaches further back.
    expect(res.body.live).toEqual([{ replica: 'pod-a', version: 'v2', at: new Date(now - 5_000).toISOString(), predictions: 100, failures: 1, p50Ms: 3.5, p99Ms: 21.25 }]);
    expect((await request(t.callback).get('/api/models/v2?windowMs=7200000')).body.live).toHaveLength(2);
    expect((await request(t.callback).get('/api/models/v1')).body.serving).toBe('active');
  });

  it('answers 404 for an unknown version and 400 for a bad window', async () => {
    await publish('v1', new Date());
    for (const url of ['/api/models/v9', '/api/models/..%2Fv1']) {
      const res = await request(t.callback).get(url);
      expect(res.status, url).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const bad = await request(t.callback).get('/api/models/v1?windowMs=soon');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
  });
});
