import { writeFileSync } from 'node:fs';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictionJson } from '../../src/routes/prediction-json.js';
import { keyOfId } from '../../src/store/cassandra/layout.js';
import { storedIds } from './support/cluster.js';
import { createKeyspaceFixture } from './support/keyspace-fixture.js';
import { postPrediction, streamPredictions, summarize } from './support/load.js';
import { makePrediction, mnistPngs } from './support/fixtures.js';
import { ARTIFACTS_DIR, startInProcess, type InProcessService } from './support/service.js';

describe('predictions through the API, recorded in the real 3-node cluster', () => {
  const fixture = createKeyspaceFixture('api');
  const { keyspace } = fixture;
  let service: InProcessService;
  let client: cassandra.Client;
  let pngs: Buffer[];

  beforeAll(async () => {
    await fixture.setUp();
    service = await startInProcess(fixture.serviceEnv(), 'api-roundtrip');
    client = fixture.client;
    await client.connect();
    pngs = await mnistPngs(200);
  });
  afterAll(async () => {
    await service?.shutdown();
    await fixture.tearDown();
  });

  async function getJson<T>(url: string): Promise<T> {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  }

  it('shows every field of recorded predictions in history and by id, as Cassandra stores them', async () => {
    const created: PredictionJson[] = [];
    for (const png of pngs.slice(0, 5)) {
      const response = await fetch(`${service.url}/api/predictions`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: Uint8Array.from(png) });
      expect(response.status).toBe(201);
      const { backend: _backend, ...json } = (await response.json()) as PredictionJson & { backend: string };
      created.push(json);
    }
    const page = await getJson<{ items: PredictionJson[] }>(`${service.url}/api/predictions?limit=5`);
    expect(page.items).toEqual([...created].reverse());
    expect(await getJson<PredictionJson>(`${service.url}/api/predictions/${created[0]!.id}`)).toEqual(created[0]);

    const first = created[0]!;
    const key = keyOfId(first.id);
    const row = (await client.execute(`SELECT * FROM ${keyspace}.predictions WHERE hour = ? AND shard = ? AND id = ?`, [key.hour, key.shard, cassandra.types.Uuid.fromString(first.id)], { prepare: true })).first();
    expect({
      id: String(row.get('id')),
      digit: row.get('digit'),
      confidence: row.get('confidence'),
      probabilities: row.get('probabilities'),
      modelVersion: row.get('model_version'),
      createdAt: (row.get('created_at') as Date).toISOString(),
      input: (row.get('input') as Buffer).toString('base64'),
      source: row.get('source'),
      latencyMs: row.get('latency_ms'),
      feedbackLabel: row.get('feedback_label'),
      feedbackAt: row.get('feedback_at'),
    }).toEqual(first);
  });

  it('keeps predictions made in the same millisecond as separate rows', async () => {
    const at = new Date();
    const records = Array.from({ length: 50 }, () => makePrediction(at));
    await Promise.all(records.map((r) => service.store.record(r)));
    const found = await Promise.all(records.map((r) => service.store.get(r.id)));
    expect(found.map((r) => r?.id)).toEqual(records.map((r) => r.id));
  });

  it('pages newest first across hour buckets, older than a whole page of the hour index', async () => {
    const base = Date.UTC(2025, 0, 1, 0, 0, 0);
    const records = Array.from({ length: 30 }, (_, hour) => [0, 1].map((k) => makePrediction(new Date(base + hour * 3_600_000 + k * 1000)))).flat();
    for (const record of records) await service.store.record(record);
    // Walk the API from the newest until past every test record; collect the old ones in order.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: PredictionJson[]; nextCursor: string | null } = await getJson(`${service.url}/api/predictions?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 1_000);
    expect(cursor).toBeNull();
    const old = new Set(records.map((r) => r.id));
    expect(seen.filter((id) => old.has(id))).toEqual(records.map((r) => r.id).reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('stores the feedback label against the prediction', async () => {
    const outcome = await postPrediction(service.url, pngs[7]!);
    expect(outcome.status).toBe(201);
    const response = await fetch(`${service.url}/api/predictions/${outcome.id}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: 4 }) });
    expect(response.status).toBe(200);
    const key = keyOfId(outcome.id!);
    const row = (await client.execute(`SELECT feedback_label, feedback_at FROM ${keyspace}.predictions WHERE hour = ? AND shard = ? AND id = ?`, [key.hour, key.shard, cassandra.types.Uuid.fromString(outcome.id!)], { prepare: true })).first();
    expect(row.get('feedback_label')).toBe(4);
    expect(row.get('feedback_at')).toBeInstanceOf(Date);
    const unknown = await fetch(`${service.url}/api/predictions/${makePrediction().id}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"label":1}' });
    expect(unknown.status).toBe(404);
  });

  it('records a stream of 1,000 predictions with no failure (throughput and p99 written to .artifacts)', async () => {
    const startedAt = performance.now();
    const outcomes = await streamPredictions({ url: () => service.url, pngs, count: 1000, concurrency: 16 });
    const seconds = (performance.now() - startedAt) / 1000;
    const summary = { ...summarize(outcomes), seconds: Math.round(seconds * 100) / 100, perSecond: Math.round(outcomes.length / seconds), classifier: service.classifierKind };
    writeFileSync(path.join(ARTIFACTS_DIR, 'api-throughput.json'), `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`cassandra api stream: ${JSON.stringify(summary)}\n`);
    expect(summary.created).toBe(1000);
    const ids = await storedIds(client, keyspace);
    expect(outcomes.filter((o) => !ids.has(o.id!))).toEqual([]);
    expect(service.store.kind).toBe('cassandra');
    expect((await service.store.health()).backlog).toBe(0);
  });
});
