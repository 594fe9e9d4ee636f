import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCommand, storedIds } from './support/cluster.js';
import { createKeyspaceFixture } from './support/keyspace-fixture.js';
import { mnistPngs } from './support/fixtures.js';
import { streamPredictions, summarize } from './support/load.js';
import { ARTIFACTS_DIR, startInProcess, storeStats, type InProcessService } from './support/service.js';

const STREAM = 2_000;
const KILL_AFTER = 400;
const KILLED_NODE = 2;

describe('one node killed in the middle of a stream of predictions', () => {
  const fixture = createKeyspaceFixture('nodekill');
  let service: InProcessService;

  beforeAll(async () => {
    await fixture.setUp();
    service = await startInProcess(fixture.serviceEnv(), 'fault-node-kill');
    await fixture.client.connect();
  });
  afterAll(async () => {
    await service?.shutdown();
    await nodeCommand('start', KILLED_NODE); // leave three healthy nodes for the next file
    await fixture.tearDown();
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
    const ids = await storedIds(fixture.client, fixture.keyspace);
    const missing = outcomes.filter((o) => !ids.has(o.id!));
    const figures = { ...summary, killedNode: KILLED_NODE, killedAfter: KILL_AFTER, storedRows: ids.size, missing: missing.length, store: storeStats(service.store) };
    writeFileSync(path.join(ARTIFACTS_DIR, 'fault-node-kill.json'), `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(`cassandra node-kill: ${JSON.stringify(figures)}\n`);
    expect(missing).toEqual([]);
    expect(ids.size).toBe(STREAM);
  });
});
