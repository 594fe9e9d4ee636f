import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapKeyspace, CONTACT_POINTS, createClient, dropKeyspace, ensureCluster, nodeCommand, storedIds, testKeyspace } from './support/cluster.js';
import { mnistPngs } from './support/fixtures.js';
import { streamPredictions, summarize } from './support/load.js';
import { ARTIFACTS_DIR, startInProcess, storeStats, type InProcessService } from './support/service.js';

const STREAM = 2_000;
const KILL_AFTER = 400;
const KILLED_NODE = 2;

describe('one node killed in the middle of a stream of predictions', () => {
  const keyspace = testKeyspace('nodekill');
  let spoolDir: string;
  let service: InProcessService;
  let client: cassandra.Client;

  beforeAll(async () => {
    await ensureCluster();
    await bootstrapKeyspace(keyspace);
    spoolDir = mkdtempSync(path.join(tmpdir(), 'cassandra-nodekill-spool-'));
    service = await startInProcess({ CASSANDRA_CONTACT_POINTS: CONTACT_POINTS, CASSANDRA_KEYSPACE: keyspace, SPOOL_DIR: spoolDir }, 'fault-node-kill');
    client = createClient();
    await client.connect();
  });
  afterAll(async () => {
    await service?.shutdown();
    await client?.shutdown();
    await nodeCommand('start', KILLED_NODE); // leave three healthy nodes for the next file
    await dropKeyspace(keyspace);
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('answers every request with 201 and every answered prediction is in Cassandra', async () => {
    const pngs = await mnistPngs(500);
    let killed: Promise<string> | undefined;
    const outcomes = await streamPredictions({
      url: () => service.url,
      pngs,
      count: STREAM,
      concurrency: 16,
      onAnswer: (done) => {
        if (done === KILL_AFTER) killed = nodeCommand('kill', KILLED_NODE); // SIGKILL: a crash, not a drain
      },
    });
    await killed;
    const summary = summarize(outcomes);
    const failures = outcomes.filter((o) => o.status !== 201);
    expect(failures.slice(0, 5)).toEqual([]);

    // With the node still down, the service reads its records back by id (reads retry on
    // another coordinator while gossip has not yet marked the dead node down).
    const sample = outcomes.filter((_, i) => i % 10 === 0);
    const readBacks = await Promise.all(sample.map((o) => fetch(`${service.url}/api/predictions/${o.id}`).then((r) => r.status)));
    expect(readBacks.filter((status) => status !== 200)).toEqual([]);

    await expect.poll(async () => (await service.store.health()).backlog, { timeout: 120_000, interval: 500 }).toBe(0);
    const ids = await storedIds(client, keyspace);
    const missing = outcomes.filter((o) => !ids.has(o.id!));
    const figures = { ...summary, killedNode: KILLED_NODE, killedAfter: KILL_AFTER, storedRows: ids.size, missing: missing.length, store: storeStats(service.store) };
    writeFileSync(path.join(ARTIFACTS_DIR, 'fault-node-kill.json'), `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(`cassandra node-kill: ${JSON.stringify(figures)}\n`);
    expect(missing).toEqual([]);
    expect(ids.size).toBe(STREAM);
  });
});
