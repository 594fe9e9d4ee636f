import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplayClient, type ReplayClient } from './http-client.js';
import type { ReplayItem } from './outcome.js';
import { readBackThroughApi, verifyRecords } from './verify.js';

/**
 * A stand-in service whose store silently drops every 7th record: POST answers 201 with an id
 * either way (the failure the lost count exists to catch), GET by id finds only what was kept.
 */
function startDroppingService(): http.Server {
  const kept = new Map<string, number>();
  let next = 0;
  return http.createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    // The replay marks its traffic so the service records it as source "replay".
    if (req.method === 'POST' && req.url === '/api/predictions?source=replay') {
      req.resume().on('end', () => {
        const id = `p-${next++}`;
        if (next % 7 !== 0) kept.set(id, 3);
        send(201, { id, digit: 3, modelVersion: 'test' });
      });
      return;
    }
    const id = /^\/api\/predictions\/([^/]+)$/.exec(req.url ?? '')?.[1];
    if (req.method === 'GET' && id === 'broken') return send(500, { error: { code: 'internal' } });
    if (req.method === 'GET' && id !== undefined && kept.has(id)) return send(200, { id, digit: kept.get(id) });
    return send(404, { error: { code: 'not_found' } });
  });
}

describe('verifyRecords over the API', () => {
  let server: http.Server;
  let client: ReplayClient;

  beforeAll(async () => {
    server = startDroppingService().listen(0, '127.0.0.1');
    await once(server, 'listening');
    client = createReplayClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, connections: 4, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    await client.close();
    server.close();
  });

  it('counts acknowledged predictions the store dropped as lost', async () => {
    const item: ReplayItem = { sourceIndex: 0, body: new Uint8Array([137, 80, 78, 71]), contentType: 'image/png', label: 3, recordedDigit: null };
    const outcomes = await Promise.all(Array.from({ length: 70 }, () => client.sendItem(item)));
    expect(outcomes.every((o) => o.status === 201 && o.id !== undefined)).toBe(true);
    const ids = outcomes.map((o) => o.id!);
    const result = await verifyRecords(ids, readBackThroughApi(client.getJson), 8);
    expect(result).toMatchObject({ checked: 70, lost: 10, errors: 0 });
    expect(result.lostIds).toContain('p-6');
  });

  it('counts a failed read-back as an error, not as a lost record', async () => {
    const result = await verifyRecords(['broken', 'p-0', 'never-issued'], readBackThroughApi(client.getJson), 2);
    expect(result).toMatchObject({ checked: 3, lost: 1, errors: 1, lostIds: ['never-issued'] });
  });

  it('turns a refused connection into a network outcome instead of throwing', async () => {
    const dead = createReplayClient({ baseUrl: 'http://127.0.0.1:9', connections: 1, timeoutMs: 2_000 });
    const outcome = await dead.sendItem({ sourceIndex: 0, body: new Uint8Array([1]), contentType: 'image/png', label: null, recordedDigit: null });
    await dead.close();
    expect(outcome.status).toBe('network');
    expect(outcome.error).toMatch(/ECONNREFUSED/);
  });
});
